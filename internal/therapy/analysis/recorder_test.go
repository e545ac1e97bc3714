package analysis_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sessionhub/server/internal/therapy/analysis"
)

// recorder is a Sink that keeps everything it receives, in order.
type recorder struct {
	progress []float64
	emotions []analysis.Emotion
	topics   []analysis.Topic
	insights []analysis.Insight
	order    []string // "emotion", "topic", "insight", "progress"
	failOn   string   // kind whose delivery returns errSink
	cancel   func()   // called on the first progress report when set
}

var errSink = errors.New("sink refused")

func (r *recorder) fail(kind string) error {
	r.order = append(r.order, kind)
	if r.failOn == kind {
		return errSink
	}
	return nil
}

func (r *recorder) Progress(f float64) error {
	r.progress = append(r.progress, f)
	if r.cancel != nil {
		r.cancel()
	}
	return r.fail("progress")
}
func (r *recorder) Emotion(e analysis.Emotion) error {
	r.emotions = append(r.emotions, e)
	return r.fail("emotion")
}
func (r *recorder) Topic(t analysis.Topic) error {
	r.topics = append(r.topics, t)
	return r.fail("topic")
}
func (r *recorder) Insight(i analysis.Insight) error {
	r.insights = append(r.insights, i)
	return r.fail("insight")
}

// analyse runs the built-in analyser on text and fails the test on error.
func analyse(t testing.TB, text string) *recorder {
	t.Helper()
	rec := &recorder{}
	if err := analysis.NewLexicon().Analyze(context.Background(), text, rec); err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	return rec
}

// summary lists what was found, for failure messages.
func (r *recorder) summary() string {
	var b strings.Builder
	for _, e := range r.emotions {
		fmt.Fprintf(&b, "  emotion %-12s %.2f  %q\n", e.Name, e.Intensity, e.Evidence)
	}
	for _, t := range r.topics {
		fmt.Fprintf(&b, "  topic   %-22s %.2f  %q\n", t.Name, t.Confidence, t.Evidence)
	}
	for _, i := range r.insights {
		fmt.Fprintf(&b, "  insight %-12s %.2f  %q\n", i.Type, i.Confidence, i.Content)
	}
	return b.String()
}
