// Command server runs the session platform: five APIs on one listener.
//
//	server                      start serving (configuration from the environment)
//	server token --sub alice    print a bearer token for the therapy and pet-care APIs
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
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
	defer ln.Close() // Serve closes it too; this covers a failed start
	if strings.TrimSpace(os.Getenv("PUBLIC_BASE_URL")) == "" {
		cfg.PublicBaseURL = listenerURL(ln.Addr())
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	printDevSecrets(cfg)
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

// listenerURL is how a client on this machine reaches the listener: its
// actual address (the port the system chose for HTTP_ADDR=:0 included), with
// a wildcard host (":8080", "0.0.0.0", "[::]") written as localhost. Without
// PUBLIC_BASE_URL it is the server's public base URL, so the docs URL it
// prints and the avatar API's websocket_address point where it listens.
func listenerURL(addr net.Addr) *url.URL {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil { // not a TCP address; net.Listen("tcp") never gives one
		return &url.URL{Scheme: "http", Host: addr.String()}
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return &url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}
}

// printDevSecrets is the only place a secret is ever printed: once, at start,
// and only the ones generated because their variable was unset.
func printDevSecrets(cfg config.Config) {
	if len(cfg.Generated) == 0 {
		return
	}
	fmt.Println("Development secrets generated for this run (set these variables to keep them across restarts):")
	for _, g := range cfg.Generated {
		fmt.Printf("  %s=%s\n", g.Variable, g.Value)
	}
	fmt.Printf("Mint a bearer token for the therapy and pet-care APIs:\n  AUTH_JWT_SECRET=%s go run ./cmd/server token --sub alice\n", cfg.AuthJWTSecret)
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
