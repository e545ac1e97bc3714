// Package server is the composition root: it opens the database, runs the
// migrations, wires every API onto one Gin engine and owns graceful shutdown.
// It is the only package that imports the API packages.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sessionhub/server/internal/platform/config"
	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/platform/metrics"
	"github.com/sessionhub/server/internal/platform/ops"
	"github.com/sessionhub/server/internal/platform/pubsub"
	"github.com/sessionhub/server/internal/platform/readcache"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/specs"
)

// Server is one running instance of the whole product.
type Server struct {
	cfg     config.Config
	db      *database.DB
	hub     *wsconn.Hub
	bus     pubsub.Bus // reaches every server process sharing the database
	metrics *metrics.Metrics
	engine  *gin.Engine
	http    *http.Server

	// stopBackground ends the APIs' background work (timers, listeners)
	// once the connections have drained.
	bgCtx          context.Context
	stopBackground context.CancelFunc
	// shutdownBegun is cancelled as Shutdown starts, for work that other
	// processes should take over at once rather than finish here.
	shutdownBegun context.Context
	beginShutdown context.CancelFunc
	background    sync.WaitGroup
	closers       []func() error
}

// New opens the database named by cfg, migrates it and builds the routes.
func New(ctx context.Context, cfg config.Config) (*Server, error) {
	db, err := database.Open(cfg)
	if err != nil {
		return nil, err
	}
	bgCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	shutdownBegun, beginShutdown := context.WithCancel(bgCtx)
	s := &Server{
		cfg:            cfg,
		db:             db,
		metrics:        metrics.New(),
		bgCtx:          bgCtx,
		stopBackground: stop,
		shutdownBegun:  shutdownBegun,
		beginShutdown:  beginShutdown,
	}
	s.hub = wsconn.NewHub(s.metrics.Registry, wsconn.Limits{
		MaxConnections:           cfg.WSMaxConnections,
		MaxConnectionsPerAddress: cfg.WSMaxConnectionsPerAddress,
		WriteWait:                cfg.WSWriteWait,
		SendBuffer:               cfg.WSSendBuffer,
	})
	if s.bus, err = openBus(ctx, db); err != nil {
		stop()
		_ = db.Close()
		return nil, err
	}
	s.closers = append(s.closers, s.bus.Close)
	s.engine = gin.New()
	s.engine.Use(gin.CustomRecovery(recoverToJSON), s.metrics.Middleware())
	s.engine.HandleMethodNotAllowed = true
	// Strict handlers receive the *gin.Context as their context.Context; let
	// it answer Value, Deadline and Done from the request's context.
	s.engine.ContextWithFallback = true

	ops.Register(s.engine, db, s.metrics.Handler(), specs.FS)
	if err := s.registerAPIs(ctx); err != nil {
		stop()
		_ = db.Close()
		return nil, err
	}
	s.http = &http.Server{
		Handler:           s.engine,
		ReadHeaderTimeout: 10 * time.Second,
		// A request, body included, must arrive within HTTP_READ_TIMEOUT: a
		// client trickling its body cannot hold a connection indefinitely.
		// Upgraded WebSockets are not affected (gorilla clears the deadline).
		ReadTimeout: cfg.RequestReadTimeout,
		IdleTimeout: 120 * time.Second,
	}
	return s, nil
}

// DB exposes the database (tests inspect what was stored).
func (s *Server) DB() *database.DB { return s.db }

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, closes every WebSocket with 1001 after flushing
// what was queued to it, waits for in-flight requests, stops background work
// and closes the database. Work started with goUntilShutdown (analysis
// jobs) stops at once, not after the drain.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginShutdown()
	var wg sync.WaitGroup
	var httpErr, wsErr error
	wg.Add(2)
	go func() { defer wg.Done(); httpErr = s.http.Shutdown(ctx) }()
	go func() { defer wg.Done(); wsErr = s.hub.Shutdown(ctx) }()
	wg.Wait()
	s.stopBackground()
	s.background.Wait()
	var closeErr error
	for i := len(s.closers) - 1; i >= 0; i-- {
		closeErr = errors.Join(closeErr, s.closers[i]())
	}
	return errors.Join(httpErr, wsErr, closeErr, s.db.Close())
}

// goBackground runs fn until Shutdown has drained the connections.
func (s *Server) goBackground(name string, fn func(ctx context.Context)) {
	s.goWith(s.bgCtx, name, fn)
}

// goUntilShutdown runs fn until Shutdown begins: for work another process
// can take over, which should be handed over without waiting for the drain.
func (s *Server) goUntilShutdown(name string, fn func(ctx context.Context)) {
	s.goWith(s.shutdownBegun, name, fn)
}

func (s *Server) goWith(ctx context.Context, name string, fn func(ctx context.Context)) {
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		fn(ctx)
		slog.Debug("background task stopped", "task", name)
	}()
}

// closesWith stops c listening for changes when the server closes.
func closesWith[V any](s *Server, c *readcache.Cache[V]) *readcache.Cache[V] {
	s.closers = append(s.closers, func() error { c.Close(); return nil })
	return c
}

// openBus picks the bus for the database: LISTEN/NOTIFY on PostgreSQL (so
// several server processes can share work), in-process on SQLite.
func openBus(ctx context.Context, db *database.DB) (pubsub.Bus, error) {
	if db.Dialect != database.Postgres {
		return pubsub.NewLocal(), nil
	}
	return pubsub.NewPostgres(ctx, db.DB, db.DSN)
}

// recoverToJSON is the last resort for routes outside the APIs (/healthz,
// /docs, /metrics, unmatched paths); every API recovers first, with its own
// documented 500 body.
func recoverToJSON(c *gin.Context, recovered any) {
	slog.Error("panic serving request", "route", c.FullPath(), "panic", fmt.Sprint(recovered))
	c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{
		"error": "Internal error", "message": "The server failed to handle the request", "code": "INTERNAL_ERROR",
	})
}
