package therapy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/therapy/analysis"
)

// Transcriber turns stored audio or video into text.
type Transcriber interface {
	Transcribe(ctx context.Context, path, kind string) (string, error)
}

// WorkerConfig tunes the analysis worker pool of one process.
type WorkerConfig struct {
	Workers     int           // jobs run at once (0: none in this process)
	Lease       time.Duration // a job's lease without a heartbeat
	Poll        time.Duration // how often idle workers look for jobs queued elsewhere
	Analyzer    analysis.Analyzer
	Transcriber Transcriber // nil: audio and video fail
}

// Worker runs analysis jobs from the durable queue. Several processes may
// run workers on one database: a job is claimed atomically and held by a
// lease, renewed while it runs; a job whose process died is taken over when
// its lease runs out.
type Worker struct {
	store  JobStore
	events *Events
	cfg    WorkerConfig
	id     string        // this process's lease owner name
	wakeup chan struct{} // holds one wake for the next idle worker
}

// NewWorker builds the pool; Run starts it.
func NewWorker(store JobStore, events *Events, cfg WorkerConfig) *Worker {
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	return &Worker{store: store, events: events, cfg: cfg, id: "worker-" + uuid.NewString(), wakeup: make(chan struct{}, 1)}
}

// WakeOnQueuedJobs wakes an idle worker whenever a job is queued in any
// process, until the returned function is called.
func (w *Worker) WakeOnQueuedJobs(bus Subscriber) (stop func()) {
	return bus.Subscribe(jobsTopic, func([]byte) { w.wake() })
}

// wake makes an idle worker of this process look for a job.
func (w *Worker) wake() {
	select {
	case w.wakeup <- struct{}{}:
	default:
	}
}

// Run works until ctx ends; a job interrupted by that is given back.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 0; i < w.cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx)
		}()
	}
	wg.Wait()
}

func (w *Worker) loop(ctx context.Context) {
	for ctx.Err() == nil {
		job, ok, err := w.store.ClaimJob(ctx, w.id, w.cfg.Lease)
		if err != nil && ctx.Err() == nil {
			slog.Error("therapy: claiming an analysis job failed", "err", err)
		}
		if ok {
			w.wake() // there may be more: let another worker look
			w.run(ctx, job)
			continue
		}
		select {
		case <-ctx.Done():
		case <-w.wakeup:
		case <-time.After(w.cfg.Poll):
		}
	}
}

// run analyses one claimed job to its end.
func (w *Worker) run(ctx context.Context, job Job) {
	c := job.Content
	w.events.progress(ctx, c, Progress{Status: AnalysisProcessing})
	jobCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go w.heartbeat(jobCtx, cancel, c.ID)

	sink := &resultSink{w: w, ctx: jobCtx, content: c}
	err := w.analyze(jobCtx, c, sink)
	if cause := context.Cause(jobCtx); err != nil && cause != nil {
		err = cause
	}
	switch {
	case ctx.Err() != nil:
		// Shutdown: give the job back so the next process start (or another
		// process) runs it again from the beginning.
		if rerr := w.store.ReleaseJob(context.WithoutCancel(ctx), c.ID, w.id); rerr != nil && !errors.Is(rerr, ErrLeaseLost) {
			slog.Error("therapy: releasing an analysis job failed", "job", c.ID, "err", rerr)
		}
	case errors.Is(err, ErrLeaseLost):
		slog.Info("therapy: analysis job was deleted or taken over", "job", c.ID)
	case err != nil:
		w.finish(ctx, c, AnalysisFailed, sink.progressValue(), err.Error())
	default:
		w.finish(ctx, c, AnalysisCompleted, 1, "")
	}
}

// finish records a job's end and announces it. The job holds its session's
// turn in between, so the session's next job (claimable the moment the end
// is stored) cannot publish its start before this end; if this process
// stops first, the hold runs out after a lease.
func (w *Worker) finish(ctx context.Context, c Content, status string, progress float64, msg string) {
	err := w.store.FinishJob(ctx, c.ID, w.id, status, progress, msg, w.cfg.Lease)
	if errors.Is(err, ErrLeaseLost) {
		return
	}
	if err != nil {
		slog.Error("therapy: recording the end of an analysis job failed", "job", c.ID, "err", err)
		return
	}
	w.events.progress(ctx, c, Progress{Status: status, Progress: progress, Error: msg})
	if err := w.store.JobAnnounced(context.WithoutCancel(ctx), c.ID); err != nil {
		slog.Warn("therapy: the session's next analysis job waits for the hold to run out", "job", c.ID, "hold", w.cfg.Lease, "err", err)
	}
}

func (w *Worker) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, jobID string) {
	t := time.NewTicker(w.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			err := w.store.Heartbeat(ctx, jobID, w.id, w.cfg.Lease)
			if errors.Is(err, ErrLeaseLost) {
				cancel(ErrLeaseLost)
				return
			}
			if err != nil && ctx.Err() == nil {
				slog.Warn("therapy: analysis heartbeat failed", "job", jobID, "err", err)
			}
		}
	}
}

// analyze gets the content's text and runs the analyser on it.
func (w *Worker) analyze(ctx context.Context, c Content, sink analysis.Sink) error {
	var text string
	switch c.Type {
	case ContentText:
		raw, err := os.ReadFile(c.Path)
		if err != nil {
			return fmt.Errorf("content file is missing: %w", err)
		}
		text = string(raw)
	default:
		if w.cfg.Transcriber == nil {
			return fmt.Errorf("%s analysis needs a transcriber, and none is configured", c.Type)
		}
		t, err := w.cfg.Transcriber.Transcribe(ctx, c.Path, c.Type)
		if err != nil {
			return fmt.Errorf("transcription failed: %w", err)
		}
		text = t
	}
	return w.cfg.Analyzer.Analyze(ctx, text, sink)
}
