package analysis

// who says a statement for an insight rule to apply. A text without speaker
// labels (speakerUnknown) satisfies both.
type who uint8

const (
	byClient    who = iota + 1 // the client's own statements
	byTherapist                // the therapist's (homework, interpretations)
	byAnyone
)

// insightRule is one pattern of the built-in rule base, matched on
// normalised tokens (contractions expanded: "I'm" → "i am", "can't" → "can
// not"). Pattern syntax, space separated:
//
//	word      the token itself
//	a|b       any of the alternatives
//	~         skip zero to two tokens ("i ~ struggle" matches "i really struggle")
//	_         any one token
//	*ing      any token ending in "ing"
//
// The insight's Content is the sentence from the match to its end.
type insightRule struct {
	Type       InsightType
	Pattern    string
	Confidence float64
	Who        who
	NotNext    []string // the match is void when the next token is one of these
	AtStart    bool     // the match must begin the sentence (imperatives)
	Question   bool     // also applies to questions ("could you try …?")
}

// insightRules is written for this package (not derived from any licensed rule set).
var insightRules = []insightRule{
	// Beliefs: global, absolute or self-critical statements.
	{Type: InsightBelief, Pattern: "i am not ~ good|smart|attractive|strong|worth|enough|lovable|normal", Confidence: 0.85, Who: byClient},
	{Type: InsightBelief, Pattern: "i am ~ a|such failure|worthless|useless|broken|unlovable|burden|disappointment|fraud|pathetic|weak|stupid|hopeless|loser|mess", Confidence: 0.85, Who: byClient},
	{Type: InsightBelief, Pattern: "i feel|felt like ~ a|such failure|fraud|burden|loser|mess|idiot|disappointment|fake", Confidence: 0.8, Who: byClient},
	{Type: InsightBelief, Pattern: "i will never ~ be|find|get|have|amount", Confidence: 0.8, Who: byClient},
	{Type: InsightBelief, Pattern: "i always", Confidence: 0.6, Who: byClient, NotNext: []string{"wanted", "loved", "liked", "enjoyed", "thought"}},
	{Type: InsightBelief, Pattern: "i never", Confidence: 0.6, Who: byClient, NotNext: []string{"realised", "realized", "thought", "noticed", "knew", "considered", "saw"}},
	{Type: InsightBelief, Pattern: "i should|must", Confidence: 0.65, Who: byClient, NotNext: []string{"probably", "go", "mention", "say", "add", "ask", "call"}},
	{Type: InsightBelief, Pattern: "i have to be", Confidence: 0.7, Who: byClient},
	{Type: InsightBelief, Pattern: "nobody|no|noone ~ cares|care|likes|loves|understands|listens|wants|needs", Confidence: 0.8, Who: byClient},
	{Type: InsightBelief, Pattern: "everyone|everybody|people ~ hates|hate|thinks|judges|judge|leaves|leave|expects|is|are better", Confidence: 0.65, Who: byClient},
	{Type: InsightBelief, Pattern: "it is ~ all my fault", Confidence: 0.85, Who: byClient},
	{Type: InsightBelief, Pattern: "i do not deserve", Confidence: 0.85, Who: byClient},
	{Type: InsightBelief, Pattern: "i can not do anything right", Confidence: 0.85, Who: byClient},
	{Type: InsightBelief, Pattern: "something is wrong with me", Confidence: 0.85, Who: byClient},
	{Type: InsightBelief, Pattern: "there is something wrong with me", Confidence: 0.85, Who: byClient},
	{Type: InsightBelief, Pattern: "i ruin|ruined|mess|screw ~ everything", Confidence: 0.8, Who: byClient},
	{Type: InsightBelief, Pattern: "i am bad at", Confidence: 0.65, Who: byClient},

	// Challenges: what the client finds hard.
	{Type: InsightChallenge, Pattern: "i ~ struggle|struggled|struggling", Confidence: 0.8, Who: byClient},
	{Type: InsightChallenge, Pattern: "it is|has|was ~ hard|difficult|tough|impossible", Confidence: 0.75, Who: byClient},
	{Type: InsightChallenge, Pattern: "i ~ find|found it ~ hard|difficult|impossible", Confidence: 0.8, Who: byClient},
	{Type: InsightChallenge, Pattern: "i can not seem to", Confidence: 0.85, Who: byClient},
	{Type: InsightChallenge, Pattern: "i can not ~ stop|focus|sleep|concentrate|cope|handle|relax|breathe|function|motivate|bring|face|get", Confidence: 0.75, Who: byClient},
	{Type: InsightChallenge, Pattern: "i ~ trouble|difficulty", Confidence: 0.75, Who: byClient},
	{Type: InsightChallenge, Pattern: "i keep *ing", Confidence: 0.65, Who: byClient},
	{Type: InsightChallenge, Pattern: "i do not know how to", Confidence: 0.7, Who: byClient},
	{Type: InsightChallenge, Pattern: "i ~ avoid|avoiding|avoided", Confidence: 0.65, Who: byClient},
	{Type: InsightChallenge, Pattern: "the hardest part|thing", Confidence: 0.75, Who: byClient},
	{Type: InsightChallenge, Pattern: "i feel|am|felt ~ stuck", Confidence: 0.65, Who: byClient},

	// Action items: the client's commitments and the therapist's homework.
	{Type: InsightActionItem, Pattern: "i will", Confidence: 0.75, Who: byClient, NotNext: []string{"never", "not", "ever", "be", "always", "die", "end", "lose", "fail", "probably", "see", "just"}},
	{Type: InsightActionItem, Pattern: "i am going to", Confidence: 0.8, Who: byClient, NotNext: []string{"be", "lose", "fail", "die", "end", "cry", "get", "bed", "sleep"}},
	{Type: InsightActionItem, Pattern: "i am also|really|definitely|just|still going to", Confidence: 0.8, Who: byClient, NotNext: []string{"be", "lose", "fail", "die", "end", "cry", "get", "bed", "sleep"}},
	{Type: InsightActionItem, Pattern: "i ~ plan|planning to", Confidence: 0.75, Who: byClient},
	{Type: InsightActionItem, Pattern: "my plan is", Confidence: 0.8, Who: byClient},
	{Type: InsightActionItem, Pattern: "i want to try", Confidence: 0.65, Who: byClient},
	{Type: InsightActionItem, Pattern: "i could try", Confidence: 0.55, Who: byClient},
	{Type: InsightActionItem, Pattern: "i commit|promise to", Confidence: 0.8, Who: byClient},
	{Type: InsightActionItem, Pattern: "try to|writing|noticing|keeping|practicing|practising", Confidence: 0.75, Who: byTherapist, AtStart: true},
	{Type: InsightActionItem, Pattern: "i would like you to", Confidence: 0.85, Who: byTherapist, Question: true},
	{Type: InsightActionItem, Pattern: "i want you to", Confidence: 0.8, Who: byTherapist},
	{Type: InsightActionItem, Pattern: "could|can|would you ~ try", Confidence: 0.7, Who: byTherapist, Question: true},
	{Type: InsightActionItem, Pattern: "for|your homework", Confidence: 0.85, Who: byTherapist},
	{Type: InsightActionItem, Pattern: "between now and", Confidence: 0.75, Who: byTherapist},
	{Type: InsightActionItem, Pattern: "let us ~ try|practice|practise|plan|schedule|set|make|write|keep|book|work|start|agree|look|explore|review|figure|come", Confidence: 0.7, Who: byTherapist},
	{Type: InsightActionItem, Pattern: "write|keep|practice|practise|notice|schedule|track|list|call|use", Confidence: 0.65, Who: byTherapist, AtStart: true},
	{Type: InsightActionItem, Pattern: "next week i", Confidence: 0.75, Who: byClient, NotNext: []string{"am", "was", "have"}},
	{Type: InsightActionItem, Pattern: "we agreed", Confidence: 0.75, Who: byAnyone},

	// General insights: realisations, causes, patterns.
	{Type: InsightGeneral, Pattern: "i ~ realise|realize|realised|realized|realising|realizing", Confidence: 0.85, Who: byClient},
	{Type: InsightGeneral, Pattern: "i think|guess|suppose ~ because|why", Confidence: 0.75, Who: byClient},
	{Type: InsightGeneral, Pattern: "maybe|probably ~ because", Confidence: 0.7, Who: byClient},
	{Type: InsightGeneral, Pattern: "that|this is why", Confidence: 0.7, Who: byClient},
	{Type: InsightGeneral, Pattern: "i ~ notice|noticed|noticing", Confidence: 0.7, Who: byClient},
	{Type: InsightGeneral, Pattern: "i see|understand now", Confidence: 0.8, Who: byClient},
	{Type: InsightGeneral, Pattern: "now i see|understand|get", Confidence: 0.8, Who: byClient},
	{Type: InsightGeneral, Pattern: "it makes sense", Confidence: 0.6, Who: byClient},
	{Type: InsightGeneral, Pattern: "i ~ figured|learned|learnt|discovered", Confidence: 0.7, Who: byClient},
	{Type: InsightGeneral, Pattern: "whenever i", Confidence: 0.65, Who: byClient},
	{Type: InsightGeneral, Pattern: "every time i", Confidence: 0.65, Who: byClient},
	{Type: InsightGeneral, Pattern: "i tend to", Confidence: 0.7, Who: byClient},
	{Type: InsightGeneral, Pattern: "the|a same pattern", Confidence: 0.7, Who: byAnyone},
	{Type: InsightGeneral, Pattern: "i wonder if", Confidence: 0.5, Who: byTherapist},
}
