package analysis

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// speaker is who says a sentence, from a speaker label such as "Therapist:".
type speaker uint8

const (
	speakerUnknown   speaker = iota // no labels: treated as the client for first-person rules
	speakerClient                   // "Client:", "Patient:", or any other name
	speakerTherapist                // "Therapist:", "Counsellor:", "Dr. Lee:", "T:"
)

// token is one normalised word. A contraction yields several tokens that
// share the word's span ("can't" → "can" "not"), so rules and negation see
// one spelling for both "can't", "cant" and "cannot".
type token struct {
	norm       string // lower case, contractions expanded
	start, end int    // byte span of the source word in the text
	word       int    // index of the source word over the whole text
}

// sentence is a run of tokens spoken by one speaker, ended by ., ! or ?, by
// a turn change, or — in text without punctuation — by a line break or a
// clause boundary (see splitLong).
type sentence struct {
	tokens     []token
	start, end int // byte span in the text, trailing punctuation included
	speaker    speaker
	question   bool
	// negatedMemory marks "I can't remember the last time I was happy":
	// every emotion in the sentence is negated.
	negatedMemory bool
}

// document is a tokenised text.
type document struct {
	text      string
	sentences []sentence
	words     int
}

// speakerLabel matches an optional timestamp and a short label followed by a
// colon at the start of a line: "Therapist:", "[00:01:12] Client:", "Dr. Lee:".
var speakerLabel = regexp.MustCompile(`^\s*(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?[\])]?\s*)?([A-Za-z][A-Za-z .'-]{0,30}?)\s*:\s`)

var therapistLabels = []string{"therapist", "counsellor", "counselor", "dr", "doctor", "clinician", "psychologist", "interviewer", "coach", "t", "th"}

// inlineLabels are the role labels recognised inside a line as well.
var inlineLabels = map[string]bool{"Therapist": true, "Client": true, "Counsellor": true, "Counselor": true, "Patient": true, "THERAPIST": true, "CLIENT": true}

func labelRole(label string) speaker {
	l := strings.ToLower(strings.TrimSpace(label))
	for _, t := range therapistLabels {
		if l == t || strings.HasPrefix(l, t+" ") || strings.HasPrefix(l, t+".") {
			return speakerTherapist
		}
	}
	return speakerClient
}

// abbreviations whose period does not end a sentence.
var abbreviations = map[string]bool{"mr": true, "mrs": true, "ms": true, "dr": true, "st": true, "vs": true, "etc": true, "e.g": true, "i.e": true, "approx": true}

// parse tokenises text into sentences.
func parse(text string) document {
	doc := document{text: text}
	terminators := strings.Count(text, ".") + strings.Count(text, "?") + strings.Count(text, "!")
	unpunctuated := terminators*40 < len(text)/6 // fewer than one terminator per ~40 words
	p := parser{doc: &doc, unpunctuated: unpunctuated, curFrom: -1}
	offset := 0
	for offset <= len(text) {
		nl := strings.IndexByte(text[offset:], '\n')
		line := text[offset:]
		if nl >= 0 {
			line = text[offset : offset+nl]
		}
		p.line(line, offset)
		if nl < 0 {
			break
		}
		offset += nl + 1
	}
	p.flush()
	return doc
}

type parser struct {
	doc          *document
	unpunctuated bool
	cur          sentence
	curFrom      int // index in tokens of the current sentence's first token, -1 when none
	speaker      speaker
	tokens       []token // backing store for all sentences
}

func (p *parser) line(line string, base int) {
	if strings.TrimSpace(line) == "" {
		p.flush()
		return
	}
	if m := speakerLabel.FindStringSubmatchIndex(line); m != nil && looksLikeLabel(line[m[2]:m[3]]) {
		p.flush()
		p.speaker = labelRole(line[m[2]:m[3]])
		line, base = line[m[1]:], base+m[1]
	} else if p.unpunctuated {
		p.flush()
	}
	p.scan(line, base)
}

// looksLikeLabel rejects clauses that merely contain a colon ("The thing is: ...").
func looksLikeLabel(label string) bool {
	if strings.Count(label, " ") > 2 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(label)
	return unicode.IsUpper(r) || labelRole(label) == speakerTherapist || strings.EqualFold(label, "client")
}

func (p *parser) scan(line string, base int) {
	i := 0
	for i < len(line) {
		r, size := utf8.DecodeRuneInString(line[i:])
		switch {
		case isWordRune(r):
			j := i + size
			for j < len(line) {
				r2, s2 := utf8.DecodeRuneInString(line[j:])
				if isWordRune(r2) || ((r2 == '\'' || r2 == '’' || r2 == '-' || r2 == '.') && j+s2 < len(line) && isLetterAt(line, j+s2) && (r2 != '.' || isAbbrevDot(line[i:j]))) {
					j += s2
					continue
				}
				break
			}
			if j < len(line) && line[j] == ':' && inlineLabels[line[i:j]] {
				// "… thanks. Client: I …" — a turn inside a line.
				p.flush()
				p.speaker = labelRole(line[i:j])
				i = j + 1
				continue
			}
			p.word(line[i:j], base+i, base+j)
			i = j
		case r == '.' || r == '!' || r == '?':
			j := i + size
			for j < len(line) && (line[j] == '.' || line[j] == '!' || line[j] == '?' || line[j] == '"' || line[j] == ')') {
				if line[j] == '?' {
					r = '?'
				}
				j++
			}
			if r == '.' && p.curFrom >= 0 && abbreviations[p.tokens[len(p.tokens)-1].norm] {
				i = j
				continue
			}
			if p.curFrom >= 0 {
				p.cur.end = base + j
				p.cur.question = r == '?'
			}
			p.flush()
			i = j
		default:
			i += size
		}
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isLetterAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

// isAbbrevDot keeps the inner dot of "e.g" and "i.e" inside the word.
func isAbbrevDot(word string) bool { return len(word) == 1 || word == "e.g" || word == "i.e" }

func (p *parser) word(raw string, start, end int) {
	if p.curFrom < 0 {
		p.curFrom = len(p.tokens)
		p.cur.start = start
		p.cur.speaker = p.speaker
	}
	idx := p.doc.words
	p.doc.words++
	norm := strings.ToLower(raw) // no allocation when raw is already lower case
	if strings.Contains(norm, "’") {
		norm = strings.ReplaceAll(norm, "’", "'")
	}
	if _, special := contractions[norm]; !special && !strings.Contains(norm, "'") {
		p.tokens = append(p.tokens, token{norm: norm, start: start, end: end, word: idx})
	} else {
		for _, n := range expand(norm) {
			p.tokens = append(p.tokens, token{norm: n, start: start, end: end, word: idx})
		}
	}
	p.cur.end = end
}

// flush closes the current sentence, splitting it when it runs on.
func (p *parser) flush() {
	if p.curFrom >= 0 {
		p.cur.tokens = p.tokens[p.curFrom:len(p.tokens):len(p.tokens)]
		p.cur.negatedMemory = hasNegatedMemory(p.cur.tokens)
		p.doc.sentences = append(p.doc.sentences, splitLong(p.cur)...)
	}
	p.cur = sentence{}
	p.curFrom = -1
}

const (
	longSentenceWords = 30 // a sentence longer than this is split at clause words
	minPieceWords     = 10
	maxPieceWords     = 40
)

var clauseWords = map[string]bool{"and": true, "but": true, "so": true, "then": true, "anyway": true, "um": true, "uh": true, "okay": true, "yeah": true, "also": true}

// splitLong cuts a run-on (usually unpunctuated) sentence before clause
// words so that evidence stays readable and negation cannot leak far.
func splitLong(s sentence) []sentence {
	toks := s.tokens
	if toks[len(toks)-1].word-toks[0].word < longSentenceWords {
		return []sentence{s}
	}
	var out []sentence
	from := 0
	for i := 1; i < len(toks); i++ {
		words := toks[i].word - toks[from].word
		if toks[i].word == toks[i-1].word {
			continue // inside one contraction
		}
		if (words >= minPieceWords && clauseWords[toks[i].norm]) || words >= maxPieceWords {
			out = append(out, sentence{tokens: toks[from:i], start: toks[from].start, end: toks[i-1].end, speaker: s.speaker})
			from = i
		}
	}
	last := sentence{tokens: toks[from:], start: toks[from].start, end: s.end, speaker: s.speaker, question: s.question}
	return append(out, last)
}

// hasNegatedMemory finds "not remember|recall" and "forgot what it".
func hasNegatedMemory(toks []token) bool {
	for i := 1; i < len(toks); i++ {
		t := toks[i].norm
		if (t == "remember" || t == "recall") && toks[i-1].norm == "not" {
			return true
		}
		if t == "forgot" && i+2 < len(toks) && toks[i+1].norm == "what" {
			return true
		}
	}
	return false
}
