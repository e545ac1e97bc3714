package contracttests

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	therapygen "github.com/sessionhub/server/gen/therapy"
	eventsgen "github.com/sessionhub/server/gen/therapyevents"
	"github.com/sessionhub/server/internal/platform/config"
)

// TestTherapyEventsAcrossProcesses: two server processes on one database.
// The socket is held by a process that runs no analysis, so every event it
// gets was published by the other process and crossed PostgreSQL.
func TestTherapyEventsAcrossProcesses(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	worker := startServer(t, dsn, nil)
	front := startServer(t, dsn, func(cfg *config.Config) { cfg.AnalysisWorkers = 0 })
	onWorker, onFront := newTherapyClient(t, worker, "alice"), newTherapyClient(t, front, "alice")

	s := onFront.create(`{"title": "two processes"}`)
	socket := dialTherapyEvents(t, front, onFront, s.SessionId)
	up := onWorker.upload(s.SessionId, "text", "notes.txt", []byte(therapyWorkTranscript))
	names, last := collectTherapyJob(t, socket)
	if last["status"] != "completed" || last["content_id"] != up.Data.Upload.Id.String() {
		t.Fatalf("final event on the other process: %v", last)
	}
	if countTherapyEvents(names, eventsgen.MsgNewEmotion) == 0 {
		t.Errorf("events across processes %v: want the emotions too", names)
	}
	got := onFront.get(s.SessionId)
	if countTherapyEvents(names, eventsgen.MsgNewEmotion) != len(got.Emotions) {
		t.Errorf("%d emotion events, %d stored", countTherapyEvents(names, eventsgen.MsgNewEmotion), len(got.Emotions))
	}
}

// TestTherapyJobsRunOnceWithTwoProcesses: two processes with workers share
// the queue; every job runs exactly once.
func TestTherapyJobsRunOnceWithTwoProcesses(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	a, b := startServer(t, dsn, nil), startServer(t, dsn, nil)
	ca, cb := newTherapyClient(t, a, "alice"), newTherapyClient(t, b, "alice")
	var ids []uuid.UUID
	for i := 0; i < 12; i++ {
		c := ca
		if i%2 == 1 {
			c = cb
		}
		ids = append(ids, c.create(string(therapyJSON(map[string]any{"title": "batch", "text": therapyWorkTranscript}))).SessionId)
	}
	reference := -1
	for _, id := range ids {
		if st := ca.waitAnalysis(id); st.Status != therapygen.AnalysisStatusCompleted {
			t.Fatalf("job of %s: %+v", id, st)
		}
		n := len(ca.get(id).Emotions)
		if reference < 0 {
			reference = n
		}
		if n != reference {
			t.Errorf("session %s has %d emotions, the same transcript elsewhere %d: a job ran twice or partly", id, n, reference)
		}
	}
	var runs []int
	if err := a.srv.DB().Raw("SELECT attempts FROM therapy_jobs").Scan(&runs).Error; err != nil {
		t.Fatal(err)
	}
	for _, n := range runs {
		if n != 1 {
			t.Errorf("a job was claimed %d times, want once: %v", n, runs)
		}
	}
}

// blockingTranscriber is an HTTP transcriber that holds every request until
// the caller gives up; calls counts them.
func blockingTherapyTranscriber(t *testing.T, calls *atomic.Int32, started chan<- struct{}) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		// Read the body first: only then does net/http notice the caller
		// hanging up and end r.Context().
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case started <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func answeringTherapyTranscriber(t *testing.T, calls *atomic.Int32) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		_ = json.NewEncoder(w).Encode(map[string]string{"text": therapyWorkTranscript})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestTherapyAnalysisResumesAfterRestart stops the server while a job is in
// the middle of its run (its transcriber never answers), starts a new
// server on the same database, and sees the job complete exactly once.
func TestTherapyAnalysisResumesAfterRestart(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	var firstCalls, secondCalls atomic.Int32
	started := make(chan struct{}, 1)
	blockedURL := blockingTherapyTranscriber(t, &firstCalls, started)
	first := startServer(t, dsn, func(cfg *config.Config) { cfg.TranscriberURL = blockedURL })
	c := newTherapyClient(t, first, "alice")
	s := c.create(`{"title": "interrupted", "inputMethod": "audio"}`)
	c.upload(s.SessionId, "audio", "memo.wav", therapyWAV())
	<-started
	status, body := c.raw("GET", "/sessions/"+s.SessionId.String()+"/analysis/status", "", nil)
	if status != 200 || body["data"].(map[string]any)["analysis"].(map[string]any)["status"] != "processing" {
		t.Fatalf("while blocked: %d %v, want processing", status, body)
	}
	first.shutdown(t) // the worker is stopped mid-job

	answerURL := answeringTherapyTranscriber(t, &secondCalls)
	second := startServer(t, dsn, func(cfg *config.Config) { cfg.TranscriberURL = answerURL })
	c2 := newTherapyClient(t, second, "alice")
	if st := c2.waitAnalysis(s.SessionId); st.Status != therapygen.AnalysisStatusCompleted {
		t.Fatalf("after restart: %+v, want completed", st)
	}
	ref := c2.create(string(therapyJSON(map[string]any{"title": "reference", "text": therapyWorkTranscript})))
	c2.waitAnalysis(ref.SessionId)
	got, want := c2.get(s.SessionId), c2.get(ref.SessionId)
	if len(got.Emotions) != len(want.Emotions) || len(got.Topics) != len(want.Topics) || len(got.ActionItems) != len(want.ActionItems) {
		t.Errorf("resumed job stored %d/%d/%d emotions/topics/action items, a single run %d/%d/%d",
			len(got.Emotions), len(got.Topics), len(got.ActionItems), len(want.Emotions), len(want.Topics), len(want.ActionItems))
	}
	var attempts int
	second.srv.DB().Raw("SELECT attempts FROM therapy_jobs WHERE session_id = ?", s.SessionId.String()).Scan(&attempts)
	if firstCalls.Load() != 1 || secondCalls.Load() != 1 || attempts != 2 {
		t.Errorf("transcriber calls %d then %d, attempts %d; want 1, 1 and 2", firstCalls.Load(), secondCalls.Load(), attempts)
	}
}

// TestTherapyCrashedProcessJobIsTakenOver: a job held by a process that
// died (its lease is never renewed) is taken over by another process once
// the lease has run out.
func TestTherapyCrashedProcessJobIsTakenOver(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	var calls atomic.Int32
	answerURL := answeringTherapyTranscriber(t, &calls)
	ts := startServer(t, dsn, func(cfg *config.Config) { cfg.TranscriberURL = answerURL; cfg.AnalysisWorkers = 0 })
	c := newTherapyClient(t, ts, "alice")
	s := c.create(`{"title": "orphaned", "inputMethod": "audio"}`)
	c.upload(s.SessionId, "audio", "memo.wav", therapyWAV())
	// A process that has since died claimed the job; its lease runs 2 s more.
	err := ts.srv.DB().Exec(`UPDATE therapy_jobs SET status = 'processing', attempts = 1, lease_owner = 'crashed-process',
		lease_until = now() + interval '2 seconds' WHERE session_id = ?`, s.SessionId.String()).Error
	if err != nil {
		t.Fatal(err)
	}
	survivor := startServer(t, dsn, func(cfg *config.Config) { cfg.TranscriberURL = answerURL })
	if st := newTherapyClient(t, survivor, "alice").waitAnalysis(s.SessionId); st.Status != therapygen.AnalysisStatusCompleted {
		t.Fatalf("orphaned job: %+v, want completed by the surviving process", st)
	}
	var attempts int
	survivor.srv.DB().Raw("SELECT attempts FROM therapy_jobs WHERE session_id = ?", s.SessionId.String()).Scan(&attempts)
	if calls.Load() != 1 || attempts != 2 {
		t.Errorf("transcriber calls %d, attempts %d; want 1 and 2", calls.Load(), attempts)
	}
}
