package analysis

import (
	"strconv"
	"strings"
	"sync"
)

// phrase is a compiled lexicon entry, indexed by its first token.
type phrase struct {
	rest       []string // tokens after the first
	weight     float64  // base intensity (emotions) or evidence weight (topics)
	afterVerb  bool     // "+" entries: only after a verb of feeling or being
	table      int      // index into emotionTable / topicTable
	emotionIdx int      // for emotions: index of the opposite, -1 when none
}

// patternElem is one element of a compiled insight pattern.
type patternElem struct {
	alts   []string // nil for "_" and "~"
	skip   bool     // "~"
	suffix string   // "*ing"
}

type compiledRule struct {
	insightRule
	elems []patternElem
}

// lexicon is the compiled form of the tables, shared by every Lexicon analyser.
type lexicon struct {
	emotions map[string][]phrase
	topics   map[string][]phrase
	rules    map[string][]*compiledRule
	counts   LexiconSize
}

// LexiconSize reports how many entries each table of the built-in lexicon has.
type LexiconSize struct {
	Emotions, EmotionWords, Topics, TopicKeywords, InsightRules int
	Negators, Intensifiers, Diminishers                         int
}

var (
	compiled     *lexicon
	compiledOnce sync.Once
)

func builtinLexicon() *lexicon {
	compiledOnce.Do(func() { compiled = compileLexicon() })
	return compiled
}

func compileLexicon() *lexicon {
	lx := &lexicon{emotions: map[string][]phrase{}, topics: map[string][]phrase{}, rules: map[string][]*compiledRule{}}
	names := map[string]int{}
	for i, e := range emotionTable {
		names[e.Name] = i
	}
	for i, e := range emotionTable {
		opposite := -1
		if e.Opposite != "" {
			opposite = names[e.Opposite]
		}
		for _, w := range e.Words {
			p, first := compilePhrase(w, 0.6)
			p.table, p.emotionIdx = i, opposite
			lx.emotions[first] = append(lx.emotions[first], p)
			lx.counts.EmotionWords++
		}
	}
	for i, t := range topicTable {
		for _, w := range t.Keywords {
			p, first := compilePhrase(w, 1)
			p.table = i
			lx.topics[first] = append(lx.topics[first], p)
			lx.counts.TopicKeywords++
		}
	}
	for i := range insightRules {
		r := &compiledRule{insightRule: insightRules[i], elems: compilePattern(insightRules[i].Pattern)}
		for _, first := range r.elems[0].alts {
			lx.rules[first] = append(lx.rules[first], r)
		}
	}
	lx.counts.Emotions, lx.counts.Topics, lx.counts.InsightRules = len(emotionTable), len(topicTable), len(insightRules)
	lx.counts.Negators, lx.counts.Intensifiers, lx.counts.Diminishers = len(negators), len(intensifiers), len(diminishers)
	return lx
}

// compilePhrase parses "+word word:0.7" into a phrase and its first token.
func compilePhrase(entry string, defaultWeight float64) (phrase, string) {
	p := phrase{weight: defaultWeight, emotionIdx: -1}
	if rest, ok := strings.CutPrefix(entry, "+"); ok {
		p.afterVerb, entry = true, rest
	}
	if words, w, ok := strings.Cut(entry, ":"); ok {
		f, err := strconv.ParseFloat(w, 64)
		if err != nil {
			panic("analysis: bad lexicon weight in " + entry)
		}
		p.weight, entry = f, words
	}
	var toks []string
	for _, w := range strings.Fields(entry) {
		toks = append(toks, expand(w)...)
	}
	p.rest = toks[1:]
	return p, toks[0]
}

func compilePattern(pattern string) []patternElem {
	var elems []patternElem
	for _, f := range strings.Fields(pattern) {
		switch {
		case f == "~":
			elems = append(elems, patternElem{skip: true})
		case f == "_":
			elems = append(elems, patternElem{})
		case strings.HasPrefix(f, "*"):
			elems = append(elems, patternElem{suffix: f[1:]})
		default:
			elems = append(elems, patternElem{alts: strings.Split(f, "|")})
		}
	}
	if len(elems) == 0 || elems[0].alts == nil {
		panic("analysis: insight pattern must start with a word: " + pattern)
	}
	return elems
}

// matchPattern returns the index after the match of elems at toks[i:], or -1.
func matchPattern(elems []patternElem, toks []token, i int) int {
	if len(elems) == 0 {
		return i
	}
	e := elems[0]
	if e.skip {
		for k := 0; k <= 2 && i+k <= len(toks); k++ {
			if end := matchPattern(elems[1:], toks, i+k); end >= 0 {
				return end
			}
		}
		return -1
	}
	if i >= len(toks) {
		return -1
	}
	t := toks[i].norm
	switch {
	case e.suffix != "":
		if !strings.HasSuffix(t, e.suffix) || len(t) <= len(e.suffix)+1 {
			return -1
		}
	case e.alts != nil:
		found := false
		for _, a := range e.alts {
			if a == t {
				found = true
				break
			}
		}
		if !found {
			return -1
		}
	}
	return matchPattern(elems[1:], toks, i+1)
}

// Word classes used around lexicon hits.
var (
	negators      = set("not", "no", "never", "nothing", "nobody", "without", "hardly", "neither", "nor", "none")
	polarityWords = set("ever", "any", "anything", "anymore")
	irrealisWords = set("should", "would", "could", "might", "wish", "want", "wanted", "supposed", "if", "pretend")
	negationStop  = set("stop", "help") // "can't stop crying", "can't help feeling guilty" stay affirmative
	intensifiers  = set("very", "really", "so", "extremely", "incredibly", "totally", "completely", "deeply", "terribly", "super",
		"too", "absolutely", "utterly", "awfully", "seriously", "truly", "such", "constantly", "horribly", "insanely", "overwhelmingly")
	diminishers = set("slightly", "somewhat", "bit", "little", "mildly", "fairly", "less", "kind", "sort", "mostly", "partly")
	feelVerbs   = set("feel", "feeling", "felt", "feels", "am", "was", "is", "are", "were", "been", "be", "get", "getting", "got",
		"seem", "seems", "seemed", "sound", "sounds", "look", "looks", "became", "become", "stay", "pretty", "so", "very", "really", "quite")
	firstPerson  = set("i", "me", "my", "myself", "mine", "we", "us", "our")
	secondPerson = set("you", "your", "yourself")
	impersonal   = set("it", "that", "this")
	thirdPerson  = set("he", "she", "they", "him", "her", "them", "his", "their", "himself", "herself")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// Size reports the number of entries per table of the built-in lexicon.
func Size() LexiconSize { return builtinLexicon().counts }
