package analysis

// topicDef is one topic of the built-in lexicon. Keywords are word forms
// or short phrases; "word" counts 1, "word:0.5" a weaker cue. A topic is
// reported when enough evidence, spread over enough sentences, is found (see
// topicConfidence).
type topicDef struct {
	Name, Category string
	Keywords       []string
}

// topicTable is written for this package (not derived from any licensed lexicon).
var topicTable = []topicDef{
	{Name: "work", Category: "career", Keywords: []string{
		"work:0.6", "job", "jobs", "boss", "manager", "coworker", "coworkers", "co-worker", "colleague", "colleagues", "office",
		"career", "promotion", "deadline", "deadlines", "meeting:0.3", "meetings:0.3", "project:0.5", "client:0.3", "clients:0.4", "shift:0.5",
		"fired", "laid off", "hr:0.6", "human resources", "performance plan", "layoff", "interview:0.5", "workload", "performance review", "salary:0.6", "workplace", "team lead", "presentation:0.6", "overtime"}},
	{Name: "school", Category: "education", Keywords: []string{
		"school", "college", "university", "class:0.6", "classes:0.6", "exam", "exams", "test:0.4", "grades", "homework:0.4", "teacher",
		"professor", "semester", "assignment:0.4", "thesis", "degree:0.6", "student", "studying", "study:0.5", "dissertation", "lecture"}},
	{Name: "family", Category: "relationships", Keywords: []string{
		"family", "mom", "mum", "mother", "dad", "father", "parents", "parent", "sister", "brother", "siblings", "sibling", "son", "daughter",
		"kids", "children", "child", "grandmother", "grandma", "grandfather", "grandpa", "aunt", "uncle", "cousin", "in-laws", "stepdad", "stepmom", "mother-in-law"}},
	{Name: "romantic relationship", Category: "relationships", Keywords: []string{
		"partner", "husband", "wife", "boyfriend", "girlfriend", "marriage", "married", "relationship:0.7", "divorce", "divorced", "couples", "couple:0.5", "separated:0.6",
		"breakup", "broke up", "dating", "fiance", "fiancee", "spouse", "anniversary:0.4", "affair", "cheated", "intimacy", "argue:0.5", "argument:0.6", "fight:0.5", "fights:0.5"}},
	{Name: "friendships", Category: "relationships", Keywords: []string{
		"friend", "friends", "friendship", "best friend", "social", "party:0.6", "hang out", "roommate", "roommates", "group chat:0.6"}},
	{Name: "sleep", Category: "health", Keywords: []string{
		"sleep", "sleeping", "slept", "insomnia", "nightmares", "nightmare", "awake", "wake up:0.6", "woke up:0.6", "waking up:0.6", "tired:0.5", "exhausted:0.5",
		"bed:0.5", "bedtime", "nap:0.6", "rest:0.4", "3am", "midnight:0.5"}},
	{Name: "physical health", Category: "health", Keywords: []string{
		"health:0.7", "doctor", "hospital", "illness", "sick:0.6", "pain", "diagnosis", "diagnosed", "medication", "medications", "meds",
		"headaches", "headache", "chronic", "surgery", "symptoms", "exercise:0.6", "eating", "appetite", "weight:0.5", "heart racing:0.5", "chest:0.5"}},
	{Name: "grief and loss", Category: "loss", Keywords: []string{
		"died", "death", "passed away", "funeral", "grief", "grieving", "loss", "lost her", "lost him", "miss her", "miss him",
		"missing her", "missing him", "widow", "widowed", "cancer:0.6", "hospice", "buried", "anniversary of:0.6", "gone:0.4", "memorial", "grave"}},
	{Name: "finances", Category: "practical", Keywords: []string{
		"money", "debt", "bills", "rent", "afford", "financial", "finances", "loan", "loans", "mortgage", "paycheck", "savings",
		"insurance:0.5", "payment:0.5", "copay:0.5", "budget", "expenses", "broke:0.6"}},
	{Name: "home and housing", Category: "practical", Keywords: []string{
		"apartment", "flat:0.5", "house:0.5", "home:0.4", "move:0.5", "moved:0.6", "moving:0.5", "neighbourhood", "neighborhood",
		"landlord", "lease", "eviction", "evicted", "homeless", "housing", "neighbours", "neighbors"}},
	{Name: "self-esteem", Category: "self", Keywords: []string{
		"self-esteem", "confidence", "self-worth", "worthless", "not good enough", "failure", "inadequate", "useless", "ugly", "hate myself",
		"compare myself", "comparing myself", "imposter", "impostor", "self-critical", "inner critic", "critical of myself", "believe in myself", "worth:0.6", "loser"}},
	{Name: "substance use", Category: "behaviour", Keywords: []string{
		"drinking", "drink:0.6", "drinks:0.6", "drunk", "alcohol", "beer", "wine:0.6", "weed", "smoking", "cigarettes", "drugs", "pills:0.6",
		"high:0.3", "sober", "sobriety", "relapse", "relapsed", "hangover", "using again", "cravings", "craving", "aa meeting", "hungover"}},
	{Name: "trauma", Category: "safety", Keywords: []string{
		"trauma", "traumatic", "abuse", "abused", "abusive", "assault", "assaulted", "flashback", "flashbacks", "ptsd", "accident:0.6",
		"violent", "violence", "hit me", "attacked", "triggered", "trigger:0.6", "nightmares:0.5", "unsafe:0.5"}},
	{Name: "therapy process", Category: "therapy", Keywords: []string{
		"therapy", "therapist", "session", "sessions", "appointment", "appointments", "intake", "schedule:0.6", "reschedule", "cancellation",
		"confidentiality", "confidential", "consent", "paperwork", "forms:0.6", "questionnaire", "homework:0.6", "goals:0.5", "treatment", "counselling", "counseling"}},
	{Name: "coping strategies", Category: "therapy", Keywords: []string{
		"breathing", "breathe", "meditation", "meditate", "mindfulness", "journal", "journaling", "grounding", "walk:0.5", "walks:0.5",
		"exercise:0.5", "boundaries", "boundary", "routine", "self-care", "thought record", "coping", "reframe", "reframing", "gratitude list"}},
	{Name: "mood", Category: "mental health", Keywords: []string{
		"depression", "depressed", "mood", "moods", "anxiety", "panic attack", "panic attacks", "suicidal:0.8", "self-harm", "hopeless:0.6", "motivation:0.6",
		"energy:0.5", "burnout"}},
}
