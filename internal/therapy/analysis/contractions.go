package analysis

import "strings"

// contractions maps whole words (with and without the apostrophe, as
// unpunctuated transcripts drop it) to their expansion.
var contractions = map[string][]string{
	"can't": {"can", "not"}, "cant": {"can", "not"}, "cannot": {"can", "not"},
	"won't": {"will", "not"}, "wont": {"will", "not"},
	"don't": {"do", "not"}, "dont": {"do", "not"}, "doesnt": {"does", "not"}, "didnt": {"did", "not"},
	"isnt": {"is", "not"}, "wasnt": {"was", "not"}, "arent": {"are", "not"}, "werent": {"were", "not"},
	"couldnt": {"could", "not"}, "wouldnt": {"would", "not"}, "shouldnt": {"should", "not"},
	"havent": {"have", "not"}, "hasnt": {"has", "not"}, "hadnt": {"had", "not"}, "aint": {"am", "not"},
	"im": {"i", "am"}, "ive": {"i", "have"}, "youre": {"you", "are"}, "theyre": {"they", "are"},
	"thats": {"that", "is"}, "its": {"it", "is"}, "whats": {"what", "is"}, "theres": {"there", "is"},
	"let's": {"let", "us"}, "lets": {"let", "us"},
	"gonna": {"going", "to"}, "wanna": {"want", "to"}, "gotta": {"got", "to"}, "kinda": {"kind", "of"}, "sorta": {"sort", "of"},
	"no-one": {"no", "one"}, "noone": {"no", "one"},
}

// pronounIs lists words whose "'s" means "is" rather than a possessive.
var pronounIs = map[string]bool{"it": true, "that": true, "he": true, "she": true, "there": true, "what": true, "who": true, "here": true, "where": true, "everything": true, "nothing": true, "everyone": true, "nobody": true, "someone": true}

var suffixes = []struct{ suffix, word string }{{"'m", "am"}, {"'re", "are"}, {"'ve", "have"}, {"'ll", "will"}, {"'d", "would"}}

// expand returns the tokens a lower-case word stands for.
func expand(w string) []string {
	if e, ok := contractions[w]; ok {
		return e
	}
	if !strings.ContainsRune(w, '\'') {
		return []string{w}
	}
	if stem, ok := strings.CutSuffix(w, "n't"); ok {
		return []string{stem, "not"}
	}
	for _, s := range suffixes {
		if stem, ok := strings.CutSuffix(w, s.suffix); ok {
			return []string{stem, s.word}
		}
	}
	if stem, ok := strings.CutSuffix(w, "'s"); ok {
		if pronounIs[stem] {
			return []string{stem, "is"}
		}
		return []string{stem} // possessive: "mom's" → "mom"
	}
	return []string{strings.Trim(w, "'")}
}
