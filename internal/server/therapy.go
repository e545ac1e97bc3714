package server

import (
	"context"
	"net/http"
	"path/filepath"

	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/platform/readcache"
	"github.com/sessionhub/server/internal/therapy"
	"github.com/sessionhub/server/internal/therapy/analysis"
	"github.com/sessionhub/server/internal/therapy/therapyhttp"
	"github.com/sessionhub/server/internal/therapy/therapystore"
	"github.com/sessionhub/server/internal/therapy/therapyws"
)

func (s *Server) wireTherapy(ctx context.Context) error {
	store := therapy.NewCachedStore(therapystore.New(s.db), closesWith(s, readcache.New[therapy.SessionView]("therapy.sessions", s.bus)))
	if s.db.Dialect == database.SQLite {
		// One process owns the SQLite file: whatever it was running when it
		// stopped is nobody's any more.
		if err := store.RecoverJobs(ctx); err != nil {
			return err
		}
	}
	files, err := therapy.NewFileStore(filepath.Join(s.cfg.DataDir, "content"))
	if err != nil {
		return err
	}
	events := therapy.NewEvents(s.bus)
	worker := therapy.NewWorker(store, events, therapy.WorkerConfig{
		Workers: s.cfg.AnalysisWorkers, Lease: s.cfg.AnalysisLease,
		Analyzer: therapyAnalyzer(s.cfg.AnalyzerURL), Transcriber: therapyTranscriber(s.cfg.TranscriberURL),
	})
	stopWaking := worker.WakeOnQueuedJobs(s.bus)
	s.closers = append(s.closers, func() error { stopWaking(); return nil })
	svc := therapy.NewService(store, files, events, therapy.ContentLimits{
		MaxFileBytes: s.cfg.ContentMaxBytes, OwnerQuotaBytes: s.cfg.TherapyStorageQuota,
	})

	tokens := auth.NewSigner(s.cfg.AuthJWTSecret, "")
	if err := therapyhttp.Register(s.engine, svc, tokens); err != nil {
		return err
	}
	s.engine.GET(therapyws.Path, therapyhttp.Recovery(), therapyws.New(svc, s.hub, s.bus, tokens).Handle)
	if s.cfg.AnalysisWorkers > 0 {
		// A running job is given back as soon as a shutdown begins, so
		// another process (or the next start) runs it without waiting for
		// this one's connections to drain.
		s.goUntilShutdown("therapy-analysis", worker.Run)
	}
	return nil
}

func therapyAnalyzer(url string) analysis.Analyzer {
	if url == "" {
		return analysis.NewLexicon()
	}
	return analysis.NewHTTP(url, &http.Client{})
}

func therapyTranscriber(url string) therapy.Transcriber {
	if url == "" {
		return nil
	}
	return therapy.HTTPTranscriber{URL: url, Client: &http.Client{}}
}
