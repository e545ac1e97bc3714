package therapy_test

import (
	"context"
	"errors"
	"io"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
	"github.com/sessionhub/server/internal/platform/pubsub"
	"github.com/sessionhub/server/internal/therapy"
	"github.com/sessionhub/server/internal/therapy/analysis"
	"github.com/sessionhub/server/internal/therapy/therapystore"
)

// scriptedAnalyzer stands in for the real analyser: it reports what the
// test scripted, and can block mid-job until released or cancelled.
type scriptedAnalyzer struct {
	mu      sync.Mutex
	runs    int
	started chan struct{} // closed when a run reached its block point
	release chan struct{} // nil: never blocks
}

func (a *scriptedAnalyzer) Analyze(ctx context.Context, text string, sink analysis.Sink) error {
	a.mu.Lock()
	a.runs++
	a.mu.Unlock()
	if strings.Contains(text, "FAIL") {
		return errors.New("the analyser gave up")
	}
	if err := sink.Progress(0.25); err != nil {
		return err
	}
	if err := sink.Emotion(analysis.Emotion{Name: "anxiety", Category: "negative", Intensity: 0.8, Offset: 2 * time.Second}); err != nil {
		return err
	}
	if a.release != nil {
		if a.started != nil {
			select {
			case <-a.started:
			default:
				close(a.started)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-a.release:
		}
	}
	if err := sink.Topic(analysis.Topic{Name: "work stress", Category: "work", Confidence: 0.9, Offset: 4 * time.Second}); err != nil {
		return err
	}
	if err := sink.Progress(0.75); err != nil {
		return err
	}
	for _, kind := range []analysis.InsightType{"insight", "belief", "challenge", "action_item"} {
		if err := sink.Insight(analysis.Insight{Content: "about " + string(kind), Type: kind, Confidence: 0.7, Offset: 6 * time.Second}); err != nil {
			return err
		}
	}
	return nil
}

func (a *scriptedAnalyzer) runCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.runs
}

// fixture is a service, its worker pool and bus on a fresh SQLite database.
type fixture struct {
	db     *database.DB
	store  *therapystore.Store
	svc    *therapy.Service
	bus    *pubsub.Local
	events *therapy.Events
	dir    string
}

func newFixture(t testing.TB, maxSize int64) *fixture {
	t.Helper()
	return newFixtureWithLimits(t, therapy.ContentLimits{MaxFileBytes: maxSize})
}

func newFixtureWithLimits(t testing.TB, limits therapy.ContentLimits) *fixture {
	t.Helper()
	db := dbtest.SQLite(t, therapystore.Migrate)
	dir := t.TempDir()
	files, err := therapy.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, store: therapystore.New(db), bus: pubsub.NewLocal(), dir: dir}
	f.events = therapy.NewEvents(f.bus)
	f.svc = therapy.NewService(f.store, files, f.events, limits)
	return f
}

// startWorker runs a worker pool until the returned stop is called.
func (f *fixture) startWorker(t testing.TB, a analysis.Analyzer, tr therapy.Transcriber) (stop func()) {
	t.Helper()
	w := therapy.NewWorker(f.store, f.events, therapy.WorkerConfig{Workers: 2, Lease: 3 * time.Second, Poll: 10 * time.Millisecond, Analyzer: a, Transcriber: tr})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// waitAnalysis polls the session's analysis state until it is final.
func (f *fixture) waitAnalysis(t testing.TB, owner, id string) therapy.AnalysisState {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		st, err := f.svc.AnalysisStatus(context.Background(), owner, id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status == therapy.AnalysisCompleted || st.Status == therapy.AnalysisFailed {
			return st
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("analysis of %s did not finish", id)
	return therapy.AnalysisState{}
}

// session creates a session of alice's.
func (f *fixture) session(t testing.TB, in therapy.NewSession) therapy.Session {
	t.Helper()
	s, err := f.svc.Create(context.Background(), "alice", in)
	if err != nil {
		t.Fatalf("create session %q: %v", in.Title, err)
	}
	return s
}

// upload adds content to a session of alice's.
func (f *fixture) upload(t testing.TB, sessionID string, parts iter.Seq2[therapy.UploadPart, error]) {
	t.Helper()
	if _, _, err := f.svc.Upload(context.Background(), "alice", sessionID, parts); err != nil {
		t.Fatalf("upload to %s: %v", sessionID, err)
	}
}

func ptr[T any](v T) *T { return &v }

// uploadForm is an upload's parts: the file, then a type part when kind is
// given (a form without one leaves the type to the bytes).
func uploadForm(kind, filename string, body io.Reader) iter.Seq2[therapy.UploadPart, error] {
	return func(yield func(therapy.UploadPart, error) bool) {
		if !yield(therapy.UploadPart{Name: "file", Filename: filename, Body: body}, nil) || kind == "" {
			return
		}
		yield(therapy.UploadPart{Name: "type", Body: strings.NewReader(kind)}, nil)
	}
}
