package analysis

// emotionDef is one emotion of the built-in lexicon. Words lists the word
// forms (and short phrases) that express it, each with a base intensity:
// "word:0.9". A leading "+" marks a word that is only an emotion after a
// verb of feeling or being ("I feel +down", "I was +stuck", not "sit down"). Opposite is what a negated
// mention means ("not happy" → sadness, "never felt safe" → fear); an
// emotion without one is dropped when negated ("not angry").
type emotionDef struct {
	Name, Category string
	Opposite       string
	Words          []string
}

// emotionTable is written for this package (not derived from any licensed
// lexicon such as NRC, LIWC or VADER).
var emotionTable = []emotionDef{
	{Name: "sadness", Category: "negative", Words: []string{
		"sad:0.6", "sadder:0.65", "saddest:0.8", "sadness:0.6", "unhappy:0.6", "miserable:0.85", "depressed:0.8", "depressing:0.6",
		"+down:0.45", "+low:0.4", "+blue:0.4", "heartbroken:0.9", "devastated:0.95", "+crushed:0.8", "gutted:0.8", "grieving:0.8",
		"crying:0.7", "cried:0.7", "cry:0.55", "tears:0.6", "sobbing:0.85", "+empty:0.65", "+numb:0.6", "+heavy:0.45", "despair:0.9",
		"sorrow:0.8", "bleak:0.6", "gloomy:0.55", "melancholy:0.6", "broke down:0.8", "falling apart:0.8"}},
	{Name: "anxiety", Category: "negative", Words: []string{
		"anxious:0.7", "anxiety:0.7", "worried:0.6", "worry:0.55", "worrying:0.6", "worries:0.55", "nervous:0.6", "uneasy:0.5",
		"panic:0.85", "panicked:0.85", "panicking:0.85", "stressed:0.65", "stress:0.55", "stressful:0.55", "tense:0.55", "on edge:0.65",
		"restless:0.5", "dread:0.8", "dreading:0.75", "jittery:0.55", "racing thoughts:0.7", "overthinking:0.6", "apprehensive:0.5"}},
	{Name: "fear", Category: "negative", Words: []string{
		"afraid:0.7", "scared:0.7", "frightened:0.75", "terrified:0.95", "fear:0.7", "fearful:0.7", "petrified:0.9", "unsafe:0.75",
		"threatened:0.7", "horrified:0.85"}},
	{Name: "anger", Category: "negative", Words: []string{
		"angry:0.7", "anger:0.7", "+mad:0.6", "furious:0.95", "rage:0.9", "livid:0.9", "resentful:0.7", "resentment:0.7",
		"irritated:0.5", "irritable:0.5", "annoyed:0.45", "pissed:0.75", "hostile:0.7", "outraged:0.9", "bitter:0.6"}},
	{Name: "frustration", Category: "negative", Words: []string{
		"frustrated:0.65", "frustrating:0.6", "frustration:0.65", "fed up:0.7", "exasperated:0.75", "+stuck:0.45", "sick of:0.65", "tired of:0.55"}},
	{Name: "shame", Category: "negative", Words: []string{
		"ashamed:0.8", "shame:0.75", "embarrassed:0.6", "humiliated:0.9", "humiliating:0.8", "embarrassing:0.55", "mortified:0.85",
		"worthless:0.85", "+pathetic:0.7", "disgusted with myself:0.85", "+stupid:0.5", "+failure:0.65", "inadequate:0.7"}},
	{Name: "guilt", Category: "negative", Words: []string{
		"guilty:0.7", "guilt:0.7", "regret:0.6", "regrets:0.6", "remorse:0.75", "my fault:0.7", "blame myself:0.75", "to blame:0.55"}},
	{Name: "loneliness", Category: "negative", Words: []string{
		"lonely:0.75", "loneliness:0.75", "+alone:0.55", "isolated:0.7", "abandoned:0.8", "left out:0.6", "disconnected:0.55", "+invisible:0.55"}},
	{Name: "overwhelm", Category: "negative", Words: []string{
		"overwhelmed:0.75", "overwhelming:0.7", "swamped:0.6", "drowning:0.75", "too much:0.55", "burned out:0.75", "burnt out:0.75",
		"burnout:0.75", "exhausted:0.6", "+drained:0.6"}},
	{Name: "hurt", Category: "negative", Words: []string{
		"+hurt:0.65", "hurtful:0.65", "betrayed:0.85", "rejected:0.75", "let down:0.6", "disappointed:0.55", "disappointment:0.55"}},
	{Name: "hopelessness", Category: "negative", Words: []string{
		"hopeless:0.85", "hopelessness:0.85", "pointless:0.7", "no point:0.7", "give up:0.6", "giving up:0.65", "helpless:0.75", "+trapped:0.7"}},
	{Name: "joy", Category: "positive", Opposite: "sadness", Words: []string{
		"happy:0.65", "happier:0.65", "happiest:0.85", "happiness:0.65", "joy:0.75", "joyful:0.75", "glad:0.5", "delighted:0.8",
		"excited:0.7", "thrilled:0.85", "cheerful:0.6", "elated:0.85", "wonderful:0.6", "+great:0.4", "enjoy:0.5", "enjoyed:0.55", "+fun:0.45",
		"laughing:0.55", "laughed:0.5", "+content:0.45"}},
	{Name: "hope", Category: "positive", Opposite: "hopelessness", Words: []string{
		"hope:0.5", "hopeful:0.75", "hoping:0.5", "optimistic:0.75", "looking forward:0.65", "encouraged:0.65", "motivated:0.6",
		"+possible:0.3", "+progress:0.45", "hopes:0.5", "feel better:0.45", "feeling better:0.5", "felt better:0.5"}},
	{Name: "calm", Category: "positive", Opposite: "anxiety", Words: []string{
		"calm:0.6", "calmer:0.6", "relaxed:0.65", "peaceful:0.7", "at peace:0.75", "+safe:0.6", "+settled:0.55", "+grounded:0.6",
		"centered:0.55", "centred:0.55", "+comfortable:0.5", "at ease:0.65"}},
	{Name: "relief", Category: "positive", Words: []string{
		"relieved:0.7", "relief:0.65", "weight off:0.7", "+lighter:0.5"}},
	{Name: "gratitude", Category: "positive", Words: []string{
		"grateful:0.7", "thankful:0.7", "gratitude:0.7", "appreciate:0.5", "appreciated:0.55", "blessed:0.6"}},
	{Name: "pride", Category: "positive", Opposite: "shame", Words: []string{
		"proud:0.75", "pride:0.6", "accomplished:0.7", "confident:0.6", "+capable:0.55"}},
	{Name: "love", Category: "positive", Words: []string{
		"loved:0.6", "loving:0.55", "cared for:0.6", "+close to:0.45", "+connected:0.5", "affection:0.6"}},
}
