// Command server runs the session platform: five APIs on one listener.
//
//	server                      start serving (configuration from the environment)
//	server token --sub alice    print a bearer token for the therapy and pet-care APIs
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/config"
	"github.com/sessionhub/server/internal/server"
)

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	var err error
	if len(os.Args) > 1 && os.Args[1] == "token" {
		err = mintToken(os.Args[2:])
	} else {
		err = serve()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func serve() error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	gin.SetMode(gin.ReleaseMode)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on HTTP_ADDR %q: %w", cfg.HTTPAddr, err)
	}
	// Listening first tells the configuration the real address (a port of
	// 0 is only chosen now); connections wait in the backlog meanwhile.
	cfg = cfg.ListeningOn(ln.Addr())
	srv, err := start(ctx, cfg)
	if err != nil {
		_ = ln.Close()
		return err
	}
	printDevSecrets(os.Stdout, cfg)
	backend := "sqlite (" + cfg.DataDir + ")"
	if cfg.DatabaseURL != "" {
		backend = "postgres"
	}
	slog.Info("listening", "addr", ln.Addr().String(), "database", backend, "docs", cfg.PublicBaseURL.JoinPath("docs").String())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return <-served
}

// errInterrupted: a signal came before the server was ready.
var errInterrupted = errors.New("interrupted while starting")

// start builds the server, or gives up on a signal: opening the database
// and migrating it may wait (an unreachable PostgreSQL, a long migration),
// and there is nothing to drain yet, so SIGINT or SIGTERM ends the process
// at once instead of waiting for it.
func start(ctx context.Context, cfg config.Config) (*server.Server, error) {
	type built struct {
		srv *server.Server
		err error
	}
	ready := make(chan built, 1)
	go func() {
		srv, err := server.New(ctx, cfg)
		ready <- built{srv, err}
	}()
	select {
	case b := <-ready:
		return b.srv, b.err
	case <-ctx.Done():
		return nil, errInterrupted
	}
}

// printDevSecrets is the only place a secret is ever printed: once, at start,
// and only the ones generated because their variable was unset. A configured
// AUTH_JWT_SECRET is referred to by name, never printed.
func printDevSecrets(w io.Writer, cfg config.Config) {
	if len(cfg.Generated) == 0 {
		return
	}
	fmt.Fprintln(w, "Development secrets generated for this run (set these variables to keep them across restarts):")
	secret := `"$AUTH_JWT_SECRET"`
	for _, g := range cfg.Generated {
		fmt.Fprintf(w, "  %s=%s\n", g.Variable, g.Value)
		if g.Variable == "AUTH_JWT_SECRET" {
			secret = g.Value
		}
	}
	fmt.Fprintf(w, "Mint a bearer token for the therapy and pet-care APIs:\n  AUTH_JWT_SECRET=%s go run ./cmd/server token --sub alice\n", secret)
}

func mintToken(args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	sub := fs.String("sub", "", "the user the token speaks for (required)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sub == "" {
		return fmt.Errorf("token: --sub is required")
	}
	secret := os.Getenv("AUTH_JWT_SECRET")
	if secret == "" {
		return fmt.Errorf("token: AUTH_JWT_SECRET must be set to the server's secret")
	}
	token, _, err := auth.NewSigner([]byte(secret), "").Mint(*sub, "", *ttl)
	if err != nil {
		return err
	}
	fmt.Println(token)
	return nil
}
