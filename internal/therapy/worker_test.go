package therapy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/therapy"
)

// recordEvents collects what the bus carries for one session. The returned
// func waits for the analyses' final progress events first (ends of them):
// the worker publishes each after storing the final state that
// waitAnalysis sees.
func (f *fixture) recordEvents(t *testing.T, sessionID string, ends int) func() []therapy.Event {
	var mu sync.Mutex
	var got []therapy.Event
	final := make(chan struct{}, ends)
	unsubscribe := f.bus.Subscribe(therapy.BusTopic(sessionID), func(p []byte) {
		var ev therapy.Event
		if err := json.Unmarshal(p, &ev); err != nil {
			t.Errorf("bus payload: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
		if ev.Type == therapy.EventProgress && (ev.Progress.Status == therapy.AnalysisCompleted || ev.Progress.Status == therapy.AnalysisFailed) {
			select {
			case final <- struct{}{}:
			default: // more ends than awaited
			}
		}
	})
	t.Cleanup(unsubscribe)
	return func() []therapy.Event {
		for range ends {
			select {
			case <-final:
			case <-time.After(10 * time.Second):
				t.Fatal("a final progress event never came")
			}
		}
		mu.Lock()
		defer mu.Unlock()
		return append([]therapy.Event(nil), got...)
	}
}

func TestAnalysisStoresResultsAndEvents(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	s := f.session(t, therapy.NewSession{Title: "t"})
	events := f.recordEvents(t, s.ID, 1)
	c, _, err := f.svc.Upload(ctx, "alice", s.ID, uploadForm("text", "", bytes.NewReader([]byte("I am anxious about work"))))
	if err != nil {
		t.Fatal(err)
	}
	f.startWorker(t, &scriptedAnalyzer{}, nil)
	if st := f.waitAnalysis(t, "alice", s.ID); st.Status != therapy.AnalysisCompleted || st.Progress != 1 || st.Error != "" {
		t.Fatalf("state = %+v, want completed, progress 1", st)
	}
	_, r, _ := f.svc.Get(ctx, "alice", s.ID)
	if len(r.Emotions) != 1 || len(r.Topics) != 1 || len(r.Insights) != 4 {
		t.Fatalf("results = %+v, want 1 emotion, 1 topic, 4 insights", r)
	}
	if want := c.CreatedAt.Add(2 * time.Second); !r.Emotions[0].Timestamp.Equal(want) {
		t.Errorf("emotion timestamp %v, want content start + offset = %v", r.Emotions[0].Timestamp, want)
	}

	// Filters: time bounds are inclusive, category is case-insensitive.
	at := c.CreatedAt.Add(4 * time.Second)
	topics, _ := f.svc.Topics(ctx, "alice", s.ID, therapy.Filter{Start: &at, End: &at, Category: "WORK"})
	if len(topics) != 1 {
		t.Errorf("topics at their own timestamp, category WORK: %d, want 1", len(topics))
	}
	later := at.Add(time.Second)
	if em, _ := f.svc.Emotions(ctx, "alice", s.ID, therapy.Filter{Start: &later}); len(em) != 0 {
		t.Errorf("emotions after %v: %d, want 0", later, len(em))
	}
	if ins, _ := f.svc.Insights(ctx, "alice", s.ID, therapy.Filter{Type: "belief"}); len(ins) != 1 || ins[0].Type != "belief" {
		t.Errorf("beliefs: %+v", ins)
	}
	_, err = f.svc.Insights(ctx, "alice", s.ID, therapy.Filter{Start: &later, End: &at})
	requireValidation(t, err, "end_time")

	got := events()
	if len(got) < 8 || got[0].Type != therapy.EventProgress || got[0].Progress.Progress != 0 || got[0].Progress.ContentID != c.ID {
		t.Fatalf("events = %+v, want a start event first", got)
	}
	last := got[len(got)-1]
	if last.Type != therapy.EventProgress || last.Progress.Status != therapy.AnalysisCompleted || last.Progress.Progress != 1 {
		t.Errorf("last event = %+v, want completed", last)
	}
	prev := -1.0
	for _, ev := range got {
		if ev.Type == therapy.EventProgress {
			if ev.Progress.Progress < prev {
				t.Errorf("progress went down: %v after %v", ev.Progress.Progress, prev)
			}
			prev = ev.Progress.Progress
		}
	}
}

func TestAudioWithoutTranscriberFails(t *testing.T) {
	f := newFixture(t, 1<<20)
	s := f.session(t, therapy.NewSession{Title: "t"})
	f.upload(t, s.ID, uploadForm("audio", "", bytes.NewReader(wav())))
	f.startWorker(t, &scriptedAnalyzer{}, nil)
	st := f.waitAnalysis(t, "alice", s.ID)
	if st.Status != therapy.AnalysisFailed || st.Error != "audio analysis needs a transcriber, and none is configured" {
		t.Errorf("state = %+v, want failed with the transcriber message", st)
	}
}

// fakeTranscriber returns a fixed transcript.
type fakeTranscriber struct{}

func (fakeTranscriber) Transcribe(context.Context, string, string) (string, error) {
	return "I worry all the time", nil
}

func TestAudioWithTranscriberIsAnalysed(t *testing.T) {
	f := newFixture(t, 1<<20)
	s := f.session(t, therapy.NewSession{Title: "t"})
	f.upload(t, s.ID, uploadForm("audio", "", bytes.NewReader(wav())))
	f.startWorker(t, &scriptedAnalyzer{}, fakeTranscriber{})
	if st := f.waitAnalysis(t, "alice", s.ID); st.Status != therapy.AnalysisCompleted {
		t.Errorf("state = %+v, want completed", st)
	}
}

func TestAnalyserErrorFailsTheJob(t *testing.T) {
	f := newFixture(t, 1<<20)
	f.startWorker(t, &scriptedAnalyzer{}, nil)
	s := f.session(t, therapy.NewSession{Title: "t", Text: ptr("please FAIL")})
	if st := f.waitAnalysis(t, "alice", s.ID); st.Status != therapy.AnalysisFailed || st.Error != "the analyser gave up" {
		t.Errorf("state = %+v, want failed with the analyser's error", st)
	}
}

// TestAnalysisResumesAfterRestart stops the worker pool while a job is in
// the middle of its analysis (the analyser blocks after storing one
// emotion), then starts a new pool on the same database: the job runs again
// from the start and completes once, with no result stored twice.
func TestAnalysisResumesAfterRestart(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	s := f.session(t, therapy.NewSession{Title: "t", Text: ptr("I am anxious")})

	blocking := &scriptedAnalyzer{started: make(chan struct{}), release: make(chan struct{})}
	stop := f.startWorker(t, blocking, nil)
	<-blocking.started
	if em, _ := f.svc.Emotions(ctx, "alice", s.ID, therapy.Filter{}); len(em) != 1 {
		t.Fatalf("emotions stored before the stop: %d, want 1", len(em))
	}
	stop() // like a shutdown: the job goes back to the queue
	if st, _ := f.svc.AnalysisStatus(ctx, "alice", s.ID); st.Status != therapy.AnalysisPending {
		t.Fatalf("state after stop = %+v, want pending", st)
	}

	// A fresh start (the SQLite process recovers its jobs), another pool.
	if err := f.store.RecoverJobs(ctx); err != nil {
		t.Fatal(err)
	}
	again := &scriptedAnalyzer{}
	f.startWorker(t, again, nil)
	if st := f.waitAnalysis(t, "alice", s.ID); st.Status != therapy.AnalysisCompleted {
		t.Fatalf("state after restart = %+v, want completed", st)
	}
	_, r, _ := f.svc.Get(ctx, "alice", s.ID)
	if len(r.Emotions) != 1 || len(r.Topics) != 1 || len(r.Insights) != 4 {
		t.Errorf("results after the re-run: %d emotions, %d topics, %d insights; want 1, 1, 4", len(r.Emotions), len(r.Topics), len(r.Insights))
	}
	var attempts int
	f.db.Table("therapy_jobs").Select("attempts").Where("session_id = ?", s.ID).Scan(&attempts)
	if blocking.runCount() != 1 || again.runCount() != 1 || attempts != 2 {
		t.Errorf("runs: %d + %d, attempts %d; want one run each and 2 attempts", blocking.runCount(), again.runCount(), attempts)
	}
}

// TestCrashedWorkersJobIsTakenOver: a job claimed by a process that died
// (its lease is never renewed) is run by another once the lease expires,
// and the dead worker can no longer write.
func TestCrashedWorkersJobIsTakenOver(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	s := f.session(t, therapy.NewSession{Title: "t", Text: ptr("I am anxious")})
	job, ok, err := f.store.ClaimJob(ctx, "dead-worker", time.Hour)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if _, ok, _ := f.store.ClaimJob(ctx, "other", time.Minute); ok {
		t.Fatal("a job under a live lease was handed out again")
	}
	// The dead worker's hour passes.
	f.db.Table("therapy_jobs").Where("id = ?", job.Content.ID).Update("lease_until", time.Now().UTC().Add(-time.Second))
	f.startWorker(t, &scriptedAnalyzer{}, nil)
	if st := f.waitAnalysis(t, "alice", s.ID); st.Status != therapy.AnalysisCompleted {
		t.Fatalf("state = %+v, want completed by the new worker", st)
	}
	err = f.store.AddEmotion(ctx, "dead-worker", therapy.Emotion{Found: therapy.Found{ID: "x", SessionID: s.ID, JobID: job.Content.ID}, Name: "n", Category: "c"}, time.Minute)
	if err != therapy.ErrLeaseLost {
		t.Errorf("write by the dead worker: %v, want ErrLeaseLost", err)
	}
}

// TestClaimNeverHandsOutAJobTwice: concurrent claimers never get the same
// job, and a session's second job waits until its first is finished.
func TestClaimNeverHandsOutAJobTwice(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, err := f.svc.Create(ctx, "alice", therapy.NewSession{Title: "t", Text: ptr("words")}); err != nil {
			t.Fatal(err)
		}
	}
	s := f.session(t, therapy.NewSession{Title: "t", Text: ptr("first")})
	f.upload(t, s.ID, uploadForm("text", "", bytes.NewReader([]byte("second"))))
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				job, ok, err := f.store.ClaimJob(ctx, "w", time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				claimed[job.Content.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// Five single-job sessions plus the first job of the two-job session:
	// the second waits until the first is finished.
	if len(claimed) != 6 {
		t.Errorf("claimed %d distinct jobs, want 6", len(claimed))
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("job %s claimed %d times", id, n)
		}
	}
}

// TestQueuedJobsWakeIdleWorkers: a job queued through the service wakes an
// idle worker over the bus, long before its next poll.
func TestQueuedJobsWakeIdleWorkers(t *testing.T) {
	f := newFixture(t, 1<<20)
	w := therapy.NewWorker(f.store, f.events, therapy.WorkerConfig{Workers: 1, Poll: time.Hour, Analyzer: &scriptedAnalyzer{}})
	t.Cleanup(w.WakeOnQueuedJobs(f.bus))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	// The first job is found and run; the worker then looks once more, finds
	// nothing and idles until woken (its poll is an hour away). The pause
	// lets it get there: were it still looking, the test would pass without
	// proving the wake, but it cannot fail for timing.
	for i, title := range []string{"first", "woken"} {
		if i > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		s := f.session(t, therapy.NewSession{Title: title, Text: ptr("I am anxious about work")})
		if st := f.waitAnalysis(t, "alice", s.ID); st.Status != therapy.AnalysisCompleted {
			t.Fatalf("%s: state = %+v, want completed by the woken worker", title, st)
		}
	}
}

// slowEnds delays the publish of every final progress event, as a
// PostgreSQL publish (a round trip) or a busy machine may.
type slowEnds struct{ bus therapy.Publisher }

func (s slowEnds) Publish(ctx context.Context, topic string, payload []byte) error {
	var ev therapy.Event
	if json.Unmarshal(payload, &ev) == nil && ev.Progress != nil && ev.Progress.Status == therapy.AnalysisCompleted {
		time.Sleep(50 * time.Millisecond)
	}
	return s.bus.Publish(ctx, topic, payload)
}

// TestJobsOfOneSessionDoNotInterleave: two uploads to one session, two
// workers; every event of the first job, its end included, comes before
// the second job's first, however late the end's publish is.
func TestJobsOfOneSessionDoNotInterleave(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	s := f.session(t, therapy.NewSession{Title: "t"})
	events := f.recordEvents(t, s.ID, 2)
	first, _, err := f.svc.Upload(ctx, "alice", s.ID, uploadForm("text", "", bytes.NewReader([]byte("I am anxious about work"))))
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := f.svc.Upload(ctx, "alice", s.ID, uploadForm("text", "", bytes.NewReader([]byte("I am sad about home"))))
	if err != nil {
		t.Fatal(err)
	}
	w := therapy.NewWorker(f.store, therapy.NewEvents(slowEnds{f.bus}), therapy.WorkerConfig{Workers: 2, Lease: 3 * time.Second, Poll: 5 * time.Millisecond, Analyzer: &scriptedAnalyzer{}})
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(wctx) }()
	t.Cleanup(func() { cancel(); <-done })

	var order []string // the content of each progress event, in order
	for _, ev := range events() {
		if ev.Type == therapy.EventProgress {
			order = append(order, ev.Progress.ContentID)
		}
	}
	for i := 1; i < len(order); i++ {
		if order[i-1] == second.ID && order[i] == first.ID {
			t.Fatalf("progress events by content %v: the first upload's (%s) come after the second's (%s) began", order, first.ID, second.ID)
		}
	}
}

// TestAnUnannouncedEndHoldsTheSessionsNextJob: a job whose end was stored
// but not yet announced keeps its session's next job waiting, until
// JobAnnounced, or until RecoverJobs when its process is gone.
func TestAnUnannouncedEndHoldsTheSessionsNextJob(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	s := f.session(t, therapy.NewSession{Title: "t"})
	for range 3 {
		f.upload(t, s.ID, uploadForm("text", "", bytes.NewReader([]byte("I am anxious about work"))))
	}
	claim := func() (therapy.Job, bool) {
		t.Helper()
		job, ok, err := f.store.ClaimJob(ctx, "w", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return job, ok
	}
	finish := func(job therapy.Job) {
		t.Helper()
		if err := f.store.FinishJob(ctx, job.Content.ID, "w", therapy.AnalysisCompleted, 1, "", time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, ok := claim(); ok {
			t.Fatal("the session's next job was handed out before the end of the one before was announced")
		}
	}

	job, ok := claim()
	if !ok {
		t.Fatal("no job to claim")
	}
	finish(job)
	if err := f.store.JobAnnounced(ctx, job.Content.ID); err != nil {
		t.Fatal(err)
	}
	if job, ok = claim(); !ok {
		t.Fatal("the next job was not handed out after the end was announced")
	}
	finish(job)
	if err := f.store.RecoverJobs(ctx); err != nil { // the process stopped before announcing
		t.Fatal(err)
	}
	if _, ok = claim(); !ok {
		t.Fatal("the next job was not handed out after RecoverJobs")
	}
}
