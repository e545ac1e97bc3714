// Package config reads the server's public configuration from the environment.
// The variable names are part of the product's interface (see README).
package config

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is everything the server needs to start.
type Config struct {
	HTTPAddr      string
	PublicBaseURL *url.URL
	// PublicBaseURLSet is false when PUBLIC_BASE_URL was left unset and
	// PublicBaseURL only guesses from HTTP_ADDR; ListeningOn then puts the
	// address the server really listens on in its place.
	PublicBaseURLSet bool
	DatabaseURL      string
	DataDir          string
	AuthJWTSecret    []byte
	AvatarAPIKeys    []string
	DecisionAPIKeys  []string
	ShutdownTimeout  time.Duration

	// AvatarMaxSessionsPerKey bounds the concurrently active avatar sessions
	// of one API key (0: unbounded).
	AvatarMaxSessionsPerKey int

	// Resource ceilings (issue 10).
	// WSMaxConnections bounds the open WebSocket connections of this
	// process over every API (WS_MAX_CONNECTIONS; 0: none).
	WSMaxConnections int
	// WSMaxConnectionsPerAddress bounds those of one client address
	// (WS_MAX_CONNECTIONS_PER_ADDRESS; 0: none).
	WSMaxConnectionsPerAddress int
	// WSWriteWait bounds the write of one WebSocket frame before its peer
	// counts as gone, and WSSendBuffer is each connection's kernel send
	// buffer in bytes (0: wsconn's default; the kernel's own, which grows).
	// They have no environment names: the contract suite's slow-consumer
	// tests lengthen the wait and shrink the buffer so that a loaded
	// machine's flood overflows the send queue before the write gives up.
	WSWriteWait  time.Duration
	WSSendBuffer int
	// RequestReadTimeout bounds how long one request, headers and body,
	// may take to arrive (HTTP_READ_TIMEOUT).
	RequestReadTimeout time.Duration
	// TherapyStorageQuota bounds the bytes of content one therapy user may
	// store (THERAPY_STORAGE_QUOTA_BYTES; 0: none).
	TherapyStorageQuota int64
	// AvatarMaxRecordingBytes bounds what the built-in recorder keeps of one
	// avatar session (AVATAR_MAX_RECORDING_BYTES; 0: none).
	AvatarMaxRecordingBytes int64

	// Avatar session WebSocket (issue 6).
	// AvatarIdleCheckInterval is how often each process looks for avatar
	// sessions past their activity_idle_timeout (and for sessions whose
	// process stopped while they were connected).
	AvatarIdleCheckInterval time.Duration

	// Therapy sessions API (issue 4).
	// ContentMaxBytes bounds one uploaded file (CONTENT_MAX_BYTES).
	ContentMaxBytes int64
	// AnalyzerURL selects the external HTTP analyser; empty selects the
	// built-in offline one (ANALYZER_URL).
	AnalyzerURL string
	// TranscriberURL selects an HTTP transcriber for audio and video; empty
	// means none, and their analysis fails saying so (TRANSCRIBER_URL).
	TranscriberURL string
	// AnalysisWorkers is how many analysis jobs one process runs at once;
	// 0 makes a process that serves the API but runs no analysis
	// (ANALYSIS_WORKERS).
	AnalysisWorkers int
	// AnalysisLease is how long a claimed job stays with its process without
	// a heartbeat before another process may take it over (ANALYSIS_LEASE).
	AnalysisLease time.Duration

	// RateLimits keep one client from guessing credentials or filling the
	// database (per minute, 0: off).
	RateLimits RateLimits

	// Generated lists the development secrets made up at start because their
	// variable was unset; the server prints them once so the user can call it.
	Generated []GeneratedSecret
}

// GeneratedSecret is a secret the server invented for this run.
type GeneratedSecret struct {
	Variable string
	Value    string
}

// Load builds a Config from getenv (os.Getenv in production, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	cfg := Config{
		HTTPAddr:    valueOr(getenv("HTTP_ADDR"), ":8080"),
		DatabaseURL: strings.TrimSpace(getenv("DATABASE_URL")),
		DataDir:     valueOr(getenv("DATA_DIR"), "./data"),
	}
	if cfg.DatabaseURL != "" && !IsPostgresURL(cfg.DatabaseURL) {
		return Config{}, fmt.Errorf("DATABASE_URL must start with postgres:// or postgresql:// (leave it empty for the embedded SQLite database)")
	}

	cfg.PublicBaseURLSet = strings.TrimSpace(getenv("PUBLIC_BASE_URL")) != ""
	base, err := parsePublicBaseURL(valueOr(getenv("PUBLIC_BASE_URL"), localBaseURL(cfg.HTTPAddr)))
	if err != nil {
		return Config{}, err
	}
	cfg.PublicBaseURL = base

	timeout, err := durationOr(getenv("SHUTDOWN_TIMEOUT"), 15*time.Second)
	if err != nil {
		return Config{}, fmt.Errorf("SHUTDOWN_TIMEOUT: %w", err)
	}
	cfg.ShutdownTimeout = timeout

	if cfg.AvatarMaxSessionsPerKey, err = intOr(getenv("AVATAR_MAX_SESSIONS_PER_KEY"), 0); err != nil {
		return Config{}, fmt.Errorf("AVATAR_MAX_SESSIONS_PER_KEY: %w", err)
	}

	if cfg.AvatarIdleCheckInterval, err = durationOr(getenv("AVATAR_IDLE_CHECK_INTERVAL"), time.Second); err != nil {
		return Config{}, fmt.Errorf("AVATAR_IDLE_CHECK_INTERVAL: %w", err)
	}
	if cfg.AvatarIdleCheckInterval > time.Second {
		return Config{}, fmt.Errorf("AVATAR_IDLE_CHECK_INTERVAL: at most 1s (the avatar spec promises a check at least once per second)")
	}

	if err := cfg.loadTherapy(getenv); err != nil {
		return Config{}, err
	}
	if err := cfg.loadRateLimits(getenv); err != nil {
		return Config{}, err
	}
	if err := cfg.loadCeilings(getenv); err != nil {
		return Config{}, err
	}

	secret := getenv("AUTH_JWT_SECRET")
	if secret == "" {
		secret = cfg.generate("AUTH_JWT_SECRET")
	} else if len(secret) < 32 {
		return Config{}, fmt.Errorf("AUTH_JWT_SECRET must be at least 32 bytes long")
	}
	cfg.AuthJWTSecret = []byte(secret)

	cfg.AvatarAPIKeys = splitList(getenv("AVATAR_API_KEYS"))
	if len(cfg.AvatarAPIKeys) == 0 {
		cfg.AvatarAPIKeys = []string{cfg.generate("AVATAR_API_KEYS")}
	}
	cfg.DecisionAPIKeys = splitList(getenv("DECISION_API_KEYS"))
	if len(cfg.DecisionAPIKeys) == 0 {
		cfg.DecisionAPIKeys = []string{cfg.generate("DECISION_API_KEYS")}
	}
	return cfg, nil
}

// loadTherapy reads the therapy sessions API's variables.
func (c *Config) loadTherapy(getenv func(string) string) error {
	maxBytes, err := intOr(getenv("CONTENT_MAX_BYTES"), 50<<20)
	if err != nil || maxBytes < 1 {
		return fmt.Errorf("CONTENT_MAX_BYTES: want a whole number of bytes >= 1, got %q", getenv("CONTENT_MAX_BYTES"))
	}
	c.ContentMaxBytes = int64(maxBytes)
	c.AnalyzerURL = strings.TrimSpace(getenv("ANALYZER_URL"))
	c.TranscriberURL = strings.TrimSpace(getenv("TRANSCRIBER_URL"))
	for name, raw := range map[string]string{"ANALYZER_URL": c.AnalyzerURL, "TRANSCRIBER_URL": c.TranscriberURL} {
		if raw == "" {
			continue
		}
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s must be an absolute http:// or https:// URL, got %s", name, redactedURL(raw))
		}
	}
	if c.AnalysisWorkers, err = intOr(getenv("ANALYSIS_WORKERS"), 2); err != nil {
		return fmt.Errorf("ANALYSIS_WORKERS: %w", err)
	}
	if c.AnalysisLease, err = durationOr(getenv("ANALYSIS_LEASE"), 30*time.Second); err != nil {
		return fmt.Errorf("ANALYSIS_LEASE: %w", err)
	}
	return nil
}

// Defaults of the resource ceilings.
const (
	DefaultWSMaxConnections           = 10_000
	DefaultWSMaxConnectionsPerAddress = 1_000
	DefaultRequestReadTimeout         = 5 * time.Minute
	DefaultTherapyStorageQuota        = 1 << 30 // 1 GiB
	DefaultAvatarMaxRecordingBytes    = 1 << 30 // 1 GiB
)

// loadCeilings reads the limits that keep one client from exhausting the
// process: connections, slow requests, disk.
func (c *Config) loadCeilings(getenv func(string) string) error {
	var err error
	if c.WSMaxConnections, err = intOr(getenv("WS_MAX_CONNECTIONS"), DefaultWSMaxConnections); err != nil {
		return fmt.Errorf("WS_MAX_CONNECTIONS: %w", err)
	}
	if c.WSMaxConnectionsPerAddress, err = intOr(getenv("WS_MAX_CONNECTIONS_PER_ADDRESS"), DefaultWSMaxConnectionsPerAddress); err != nil {
		return fmt.Errorf("WS_MAX_CONNECTIONS_PER_ADDRESS: %w", err)
	}
	if c.RequestReadTimeout, err = durationOr(getenv("HTTP_READ_TIMEOUT"), DefaultRequestReadTimeout); err != nil {
		return fmt.Errorf("HTTP_READ_TIMEOUT: %w", err)
	}
	if c.TherapyStorageQuota, err = int64Or(getenv("THERAPY_STORAGE_QUOTA_BYTES"), DefaultTherapyStorageQuota); err != nil {
		return fmt.Errorf("THERAPY_STORAGE_QUOTA_BYTES: %w", err)
	}
	if c.AvatarMaxRecordingBytes, err = int64Or(getenv("AVATAR_MAX_RECORDING_BYTES"), DefaultAvatarMaxRecordingBytes); err != nil {
		return fmt.Errorf("AVATAR_MAX_RECORDING_BYTES: %w", err)
	}
	return nil
}

// IsPostgresURL reports whether dsn selects PostgreSQL.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// ListeningOn returns the configuration of a server listening on addr: when
// PUBLIC_BASE_URL is unset, clients are told that address (the docs URL
// printed at start, the avatar API's websocket_address), with localhost for
// an address that listens on every interface.
func (c Config) ListeningOn(addr net.Addr) Config {
	if c.PublicBaseURLSet {
		return c
	}
	if base, err := parsePublicBaseURL(localBaseURL(addr.String())); err == nil {
		c.PublicBaseURL = base
	}
	return c
}

// localBaseURL is http://host:port for a listen address; an empty or
// unspecified host (":8080", "0.0.0.0:8080", "[::]:8080") becomes localhost.
func localBaseURL(listenAddr string) string {
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "http://localhost:8080"
	}
	if ip, perr := netip.ParseAddr(host); host == "" || perr == nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return (&url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}).String()
}

// WebSocketURL turns PublicBaseURL into the ws:// or wss:// URL of path.
func (c Config) WebSocketURL(path string) string {
	u := *c.PublicBaseURL
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	return u.String()
}

func (c *Config) generate(variable string) string {
	buf := make([]byte, 32)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails on supported platforms
	value := hex.EncodeToString(buf)
	c.Generated = append(c.Generated, GeneratedSecret{Variable: variable, Value: value})
	return value
}

func parsePublicBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("PUBLIC_BASE_URL must be an absolute http:// or https:// URL, got %s", redactedURL(raw))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("PUBLIC_BASE_URL must not carry a query or fragment, got %s", redactedURL(raw))
	}
	return u, nil
}

func splitList(raw string) []string {
	var out []string
	for _, part := range strings.Split(raw, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func valueOr(v, fallback string) string {
	if v = strings.TrimSpace(v); v == "" {
		return fallback
	}
	return v
}

func durationOr(raw string, fallback time.Duration) (time.Duration, error) {
	if raw = strings.TrimSpace(raw); raw == "" {
		return fallback, nil
	}
	d, err := time.ParseDuration(raw)
	if secs, aerr := strconv.Atoi(raw); aerr == nil {
		d, err = time.Duration(secs)*time.Second, nil
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive duration such as 15s, got %q", raw)
	}
	return d, nil
}

func intOr(raw string, fallback int) (int, error) {
	if raw = strings.TrimSpace(raw); raw == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a whole number >= 0, got %q", raw)
	}
	return n, nil
}

func int64Or(raw string, fallback int64) (int64, error) {
	if raw = strings.TrimSpace(raw); raw == "" {
		return fallback, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a whole number of bytes >= 0, got %q", raw)
	}
	return n, nil
}

// redactedURL quotes a configured URL for an error message without the
// password it may carry: only values the server generated are ever printed.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "a value that is not a URL"
	}
	return strconv.Quote(u.Redacted())
}
