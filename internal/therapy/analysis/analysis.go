package analysis

import (
	"context"
	"errors"
	"time"
)

// InsightType is the kind of an insight; the therapy API's Get Session lists
// each kind under its own key (insights, beliefs, challenges, action_items).
type InsightType string

// Kinds of insight.
const (
	InsightGeneral    InsightType = "insight"     // a realisation, a cause or a pattern the client sees
	InsightBelief     InsightType = "belief"      // a core or overgeneralised belief ("I'm not good enough")
	InsightChallenge  InsightType = "challenge"   // something the client struggles with
	InsightActionItem InsightType = "action_item" // a commitment or homework
)

// WordsPerMinute is the speaking rate used to turn a word index into an
// Offset: the word at index n is at n/150 minutes (400 ms per word) into the
// conversation. The therapy API stamps timestamp = content start + Offset.
const WordsPerMinute = 150

// OffsetOfWord is the estimated position in the conversation of the word at
// index wordIndex (0-based, counted over the whole text; speaker labels such
// as "Client:" are not spoken and not counted).
func OffsetOfWord(wordIndex int) time.Duration {
	return time.Duration(wordIndex) * time.Minute / WordsPerMinute
}

// Emotion is an emotion expressed in the text.
type Emotion struct {
	Name      string        // e.g. "anxiety"
	Category  string        // "negative" or "positive"
	Intensity float64       // 0..1
	Offset    time.Duration // where in the conversation (see OffsetOfWord)
	Evidence  string        // the sentence that shows it most strongly
}

// Topic is a subject the conversation is about.
type Topic struct {
	Name       string        // e.g. "work"
	Category   string        // life area, e.g. "career"
	Confidence float64       // 0..1, from the amount and spread of evidence
	Offset     time.Duration // first mention
	Evidence   string        // the sentence with the strongest evidence
}

// Insight is a belief, challenge, action item or general insight.
type Insight struct {
	Content    string      // the statement, taken from the text
	Type       InsightType // one of the Insight* constants
	Confidence float64     // 0..1
	Offset     time.Duration
	Evidence   string // the whole sentence
}

// Sink receives results as they are found, so they can be stored and pushed live.
type Sink interface {
	Progress(fraction float64) error // 0..1, non-decreasing, ends at 1 on success
	Emotion(Emotion) error
	Topic(Topic) error
	Insight(Insight) error
}

// Analyzer analyses one text. It stops early with ctx's error; a Sink error
// aborts the analysis and is returned (wrapped, so errors.Is finds it).
type Analyzer interface {
	Analyze(ctx context.Context, text string, sink Sink) error
}

// Errors an Analyzer returns besides ctx's and the Sink's.
var (
	// ErrEmptyText: the text has no words to analyse.
	ErrEmptyText = errors.New("analysis: text has no words")
	// ErrRemote: the external analyser failed (unreachable, non-2xx reply).
	ErrRemote = errors.New("analysis: external analyser failed")
	// ErrBadResponse: the external analyser replied with something that is not
	// a valid result (malformed JSON, a value out of bounds, a missing field).
	ErrBadResponse = errors.New("analysis: invalid response from external analyser")
)
