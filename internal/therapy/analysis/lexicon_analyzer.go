package analysis

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tuning of the built-in analyser.
const (
	// passageWords is the window over which mentions of one emotion are
	// merged: 300 words, about two minutes of conversation.
	passageWords = 300
	// minEmotionIntensity drops faint mentions (a therapist's own "glad").
	minEmotionIntensity = 0.3
	// minTopicConfidence is the confidence a topic needs to be reported.
	minTopicConfidence = 0.4
	// progressStep is the largest gap between two Progress reports.
	progressStep    = 0.05
	maxContentBytes = 240
)

// Lexicon is the built-in analyser: deterministic, offline, driven by the
// tables in lexicon_*.go.
//
// What it reports:
//   - Emotions are merged per emotion and passage (passageWords words, about
//     two minutes): one Emotion per emotion and passage, at the offset of its
//     first mention, with the sentence of its strongest mention as evidence
//     and an intensity of the strongest mention raised by each repetition
//     (max + (1-max)·0.15 per extra mention). A passage's emotions are sent
//     when the passage ends, so they arrive live and in offset order.
//   - Topics need evidence spread over the conversation, so they are sent at
//     the end, in order of first mention (see topicConfidence).
//   - Insights are sent as their sentence is read: per kind, one per clause
//     of a sentence ("I'll call her, and I'm going to book it" gives two
//     action items); an identical statement only once.
//   - Progress is reported after the sentence that crosses each further 5%
//     of the words (sentences in text without punctuation are cut to at most
//     40 words, so on any text of 800 words or more the steps are ≤ 5%), then
//     1 after the last result.
//
// Emotion intensity = base intensity of the word × modifiers (an intensifier
// such as "very" ×1.3, a diminisher such as "a bit" ×0.6) × focus (the
// client speaking about themself counts fully; about someone else ×0.55; a
// therapist's reflection "you seem anxious" ×0.75, a therapist's question
// ×0.5 more), clamped to 0..1. A negated mention ("not happy", "never felt
// safe") counts as the emotion's opposite at 0.7 of its strength, or not at
// all when it has none ("not angry").
type Lexicon struct{ lx *lexicon }

// NewLexicon returns the built-in analyser.
func NewLexicon() *Lexicon { return &Lexicon{lx: builtinLexicon()} }

var _ Analyzer = (*Lexicon)(nil)

// Analyze implements Analyzer.
func (l *Lexicon) Analyze(ctx context.Context, text string, sink Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	doc := parse(text)
	if doc.words == 0 {
		return ErrEmptyText
	}
	r := run{lx: l.lx, doc: &doc, sink: sink, emotions: make([]emotionAgg, len(emotionTable)),
		topics: make([]topicAgg, len(topicTable)), sentenceTopic: make([]float64, len(topicTable)), seen: map[string]bool{}}
	for i := range doc.sentences {
		if err := ctx.Err(); err != nil {
			return err
		}
		s := &doc.sentences[i]
		if s.tokens[0].word >= r.passageStart+passageWords {
			if err := r.flushEmotions(); err != nil {
				return err
			}
			r.passageStart = s.tokens[0].word
		}
		r.sentenceEmotions(s)
		r.sentenceTopics(s)
		if err := r.sentenceInsights(s); err != nil {
			return err
		}
		done := float64(s.tokens[len(s.tokens)-1].word+1) / float64(doc.words)
		if done < 1 && done-r.reported >= progressStep {
			r.reported = done
			if err := sink.Progress(done); err != nil {
				return fmt.Errorf("analysis: sink: %w", err)
			}
		}
	}
	if err := r.flushEmotions(); err != nil {
		return err
	}
	if err := r.flushTopics(); err != nil {
		return err
	}
	if err := sink.Progress(1); err != nil {
		return fmt.Errorf("analysis: sink: %w", err)
	}
	return nil
}

type emotionAgg struct {
	count    int
	max      float64
	first    int // word index of the first mention
	evidence string
}

type topicAgg struct {
	amount    float64
	sentences int
	first     int
	best      float64
	evidence  string
}

// run is the state of one Analyze call.
type run struct {
	lx            *lexicon
	doc           *document
	sink          Sink
	emotions      []emotionAgg
	topics        []topicAgg
	sentenceTopic []float64
	passageStart  int
	reported      float64
	seen          map[string]bool // insight contents already sent
}

func (r *run) evidence(s *sentence) string { return strings.TrimSpace(r.doc.text[s.start:s.end]) }

// sentenceEmotions finds emotion words in s and adds them to the passage.
func (r *run) sentenceEmotions(s *sentence) {
	toks := s.tokens
	for i := 0; i < len(toks); i++ {
		cands := r.lx.emotions[toks[i].norm]
		if len(cands) == 0 {
			continue
		}
		p, n := longestMatch(cands, toks, i)
		if n == 0 || (p.afterVerb && i > 0 && !precededBy(toks, i, 3, feelVerbs)) {
			continue
		}
		emotion, intensity := p.table, p.weight*modifier(toks, i)*focus(s, toks, i)
		if irrealis(toks, i) {
			i += n - 1
			continue
		}
		if negated(toks, i) || s.negatedMemory {
			if p.emotionIdx < 0 {
				i += n - 1
				continue
			}
			emotion, intensity = p.emotionIdx, intensity*0.7
		}
		intensity = clamp01(intensity)
		if intensity >= minEmotionIntensity {
			a := &r.emotions[emotion]
			if a.count == 0 {
				a.first = toks[i].word
			}
			if a.count == 0 || intensity > a.max {
				a.max, a.evidence = intensity, r.evidence(s)
			}
			a.count++
		}
		i += n - 1
	}
}

// longestMatch returns the longest phrase among cands matching at toks[i:] and its length in tokens.
func longestMatch(cands []phrase, toks []token, i int) (phrase, int) {
	var best phrase
	bestLen := 0
	for _, c := range cands {
		if len(c.rest)+1 <= bestLen || i+len(c.rest) >= len(toks) {
			continue
		}
		ok := true
		for k, w := range c.rest {
			if toks[i+1+k].norm != w {
				ok = false
				break
			}
		}
		if ok {
			best, bestLen = c, len(c.rest)+1
		}
	}
	return best, bestLen
}

func precededBy(toks []token, i, window int, words map[string]bool) bool {
	for k := i - 1; k >= 0 && k >= i-window; k-- {
		if words[toks[k].norm] {
			return true
		}
	}
	return false
}

// negated reports whether a negator within three tokens before i applies,
// unless "stop"/"help" turns it around ("can't stop crying"). A negative
// polarity word in that window ("ever", "any") reaches back to a negator
// anywhere earlier in the clause ("I don't think I'll ever feel at ease").
func negated(toks []token, i int) bool {
	window := 3
	for k := i - 1; k >= 0 && k >= i-3; k-- {
		if polarityWords[toks[k].norm] {
			window = i
		}
	}
	for k := i - 1; k >= 0 && k >= i-window; k-- {
		t := toks[k].norm
		if negationStop[t] {
			return false
		}
		if t == "but" || t == "and" {
			return false
		}
		if negators[t] {
			return true
		}
	}
	return false
}

// irrealis reports whether the emotion is wished, owed or hypothetical
// rather than felt ("I should be grateful", "I'd be happy", "I want to be calm").
func irrealis(toks []token, i int) bool {
	return precededBy(toks, i, 3, irrealisWords)
}

// modifier is the product of the intensifier and diminisher just before i.
func modifier(toks []token, i int) float64 {
	m := 1.0
	var up, down bool
	for k := i - 1; k >= 0 && k >= i-2; k-- {
		t := toks[k].norm
		switch {
		case intensifiers[t] && !up:
			m, up = m*1.3, true
		case diminishers[t] && !down:
			m, down = m*0.6, true
		case t == "of" && k > 0 && (toks[k-1].norm == "kind" || toks[k-1].norm == "sort") && !down:
			m, down = m*0.6, true
		}
	}
	return m
}

// focus weighs a mention by whose emotion it is, from the speaker and the
// nearest pronoun within five tokens before it.
func focus(s *sentence, toks []token, i int) float64 {
	person := ""
	for k := i - 1; k >= 0 && k >= i-5; k-- {
		t := toks[k].norm
		if firstPerson[t] || secondPerson[t] || thirdPerson[t] || impersonal[t] {
			person = t
			break
		}
	}
	if s.speaker == speakerTherapist {
		w := 0.45
		switch {
		case secondPerson[person]:
			w = 0.75
		case firstPerson[person]:
			w = 0.35
		case thirdPerson[person]:
			w = 0.4
		}
		if s.question {
			w *= 0.5
		}
		return w
	}
	switch {
	case firstPerson[person]:
		return 1
	case thirdPerson[person]:
		return 0.55
	case impersonal[person]:
		return 0.7
	default:
		return 0.85
	}
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

// flushEmotions sends the passage's emotions in offset order and resets them.
func (r *run) flushEmotions() error {
	var order []int
	for i := range r.emotions {
		if r.emotions[i].count > 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return r.emotions[order[a]].first < r.emotions[order[b]].first })
	for _, i := range order {
		a := r.emotions[i]
		intensity := a.max + (1-a.max)*0.15*float64(a.count-1)
		e := Emotion{Name: emotionTable[i].Name, Category: emotionTable[i].Category, Intensity: clamp01(intensity),
			Offset: OffsetOfWord(a.first), Evidence: a.evidence}
		if err := r.sink.Emotion(e); err != nil {
			return fmt.Errorf("analysis: sink: %w", err)
		}
		r.emotions[i] = emotionAgg{}
	}
	return nil
}

// capitalise upper-cases the first letter of s.
func capitalise(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if unicode.IsUpper(r) || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
