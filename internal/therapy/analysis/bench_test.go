package analysis_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sessionhub/server/internal/therapy/analysis"
)

// discard is a Sink that keeps nothing.
type discard struct{}

func (discard) Progress(float64) error         { return nil }
func (discard) Emotion(analysis.Emotion) error { return nil }
func (discard) Topic(analysis.Topic) error     { return nil }
func (discard) Insight(analysis.Insight) error { return nil }

// BenchmarkLexiconAnalyze10kWords analyses a 10,000-word transcript built
// from the testdata transcripts.
func BenchmarkLexiconAnalyze10kWords(b *testing.B) {
	words := strings.Fields(longTranscript(b, 10000))[:10000]
	text := strings.Join(words, " ")
	lex := analysis.NewLexicon()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if err := lex.Analyze(context.Background(), text, discard{}); err != nil {
			b.Fatal(err)
		}
	}
}
