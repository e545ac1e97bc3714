package config

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsGenerateDevSecrets(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != ":8080" || cfg.DataDir != "./data" || cfg.DatabaseURL != "" || cfg.AvatarMaxSessionsPerKey != 0 || cfg.ShutdownTimeout != 15*time.Second {
		t.Fatalf("defaults = %+v", cfg)
	}
	if len(cfg.Generated) != 3 || len(cfg.AuthJWTSecret) < 32 || len(cfg.AvatarAPIKeys) != 1 || len(cfg.DecisionAPIKeys) != 1 {
		t.Fatalf("want three generated secrets, got %+v", cfg.Generated)
	}
	if got := cfg.WebSocketURL("/v1/websocket"); got != "ws://localhost:8080/v1/websocket" {
		t.Fatalf("WebSocketURL = %q", got)
	}
}

func TestExplicitValues(t *testing.T) {
	cfg, err := Load(env(map[string]string{
		"HTTP_ADDR": "127.0.0.1:9000", "PUBLIC_BASE_URL": "https://api.example.com/base/", "DATABASE_URL": "postgres://u:p@db/x",
		"AUTH_JWT_SECRET": strings.Repeat("s", 32), "AVATAR_API_KEYS": " k1, k2 ,", "DECISION_API_KEYS": "d1",
		"AVATAR_MAX_SESSIONS_PER_KEY": "7", "SHUTDOWN_TIMEOUT": "3",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Generated) != 0 || len(cfg.AvatarAPIKeys) != 2 || cfg.AvatarAPIKeys[1] != "k2" || cfg.AvatarMaxSessionsPerKey != 7 || cfg.ShutdownTimeout != 3*time.Second {
		t.Fatalf("cfg = %+v", cfg)
	}
	if got := cfg.WebSocketURL("/v1/websocket"); got != "wss://api.example.com/base/v1/websocket" {
		t.Fatalf("WebSocketURL = %q, want the seed's wss form with the base path kept", got)
	}
}

// TestInvalidValuesAreRefused: each is refused with an error that never
// prints a password.
func TestInvalidValuesAreRefused(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"mysql URL":            {"DATABASE_URL": "mysql://x"},
		"relative base URL":    {"PUBLIC_BASE_URL": "localhost:8080"},
		"short secret":         {"AUTH_JWT_SECRET": "short"},
		"negative limit":       {"AVATAR_MAX_SESSIONS_PER_KEY": "-1"},
		"bad timeout":          {"SHUTDOWN_TIMEOUT": "soon"},
		"negative connections": {"WS_MAX_CONNECTIONS": "-1"},
		"words per address":    {"WS_MAX_CONNECTIONS_PER_ADDRESS": "many"},
		"zero read timeout":    {"HTTP_READ_TIMEOUT": "0s"},
		"zero seconds":         {"HTTP_READ_TIMEOUT": "0"},
		"negative seconds":     {"SHUTDOWN_TIMEOUT": "-5"},
		"negative quota":       {"THERAPY_STORAGE_QUOTA_BYTES": "-5"},
		"fractional recording": {"AVATAR_MAX_RECORDING_BYTES": "1.5"},
		// A configured URL may carry credentials; only values the server
		// generated may ever be printed.
		"analyzer without scheme": {"ANALYZER_URL": "//bob:hunter2secret@analyzer.internal/x"},
		"transcriber ftp":         {"TRANSCRIBER_URL": "ftp://bob:hunter2secret@transcriber.internal/"},
		"base URL with query":     {"PUBLIC_BASE_URL": "https://bob:hunter2secret@api.example.com/?x=1"},
		"unparseable":             {"ANALYZER_URL": "http://bob:hunter2secret@[::1"},
	} {
		_, err := Load(env(vars))
		if err == nil {
			t.Errorf("%s: Load accepted %v", name, vars)
			continue
		}
		if strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("%s: the error prints the password: %v", name, err)
		}
	}
}

// TestUnsetPublicBaseURLFollowsTheListenAddress: without PUBLIC_BASE_URL,
// clients are told the address the server listens on.
func TestUnsetPublicBaseURLFollowsTheListenAddress(t *testing.T) {
	for _, tc := range []struct{ httpAddr, listening, want string }{
		{":8080", "[::]:8080", "http://localhost:8080"},
		{":0", "[::]:41234", "http://localhost:41234"},
		{"0.0.0.0:9000", "0.0.0.0:9000", "http://localhost:9000"},
		{"127.0.0.1:0", "127.0.0.1:39999", "http://127.0.0.1:39999"},
		{"[::1]:9001", "[::1]:9001", "http://[::1]:9001"},
		{"[fe80::1%eth0]:9002", "[fe80::1%eth0]:9002", "http://[fe80::1%25eth0]:9002"},
	} {
		cfg, err := Load(env(map[string]string{"HTTP_ADDR": tc.httpAddr}))
		if err != nil {
			t.Fatalf("HTTP_ADDR=%s: %v", tc.httpAddr, err)
		}
		addr := net.TCPAddrFromAddrPort(netip.MustParseAddrPort(tc.listening))
		if got := cfg.ListeningOn(addr).PublicBaseURL.String(); got != tc.want {
			t.Errorf("HTTP_ADDR=%s listening on %s: PublicBaseURL = %s, want %s", tc.httpAddr, tc.listening, got, tc.want)
		}
	}
	cfg, err := Load(env(map[string]string{"HTTP_ADDR": "127.0.0.1:9000", "PUBLIC_BASE_URL": "https://api.example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	addr := net.TCPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:9000"))
	if got := cfg.ListeningOn(addr).PublicBaseURL.String(); got != "https://api.example.com" {
		t.Errorf("a configured PUBLIC_BASE_URL must be kept, got %s", got)
	}
	if got := cfg.WebSocketURL("/v1/websocket"); got != "wss://api.example.com/v1/websocket" {
		t.Errorf("WebSocketURL = %s", got)
	}
}

func TestResourceCeilings(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.WSMaxConnections != 10_000 || cfg.WSMaxConnectionsPerAddress != 1_000 || cfg.RequestReadTimeout != 5*time.Minute ||
		cfg.TherapyStorageQuota != 1<<30 || cfg.AvatarMaxRecordingBytes != 1<<30 {
		t.Fatalf("default ceilings = %+v", cfg)
	}
	cfg, err = Load(env(map[string]string{
		"WS_MAX_CONNECTIONS": "0", "WS_MAX_CONNECTIONS_PER_ADDRESS": "20", "HTTP_READ_TIMEOUT": "90s",
		"THERAPY_STORAGE_QUOTA_BYTES": "0", "AVATAR_MAX_RECORDING_BYTES": "10000000000",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.WSMaxConnections != 0 || cfg.WSMaxConnectionsPerAddress != 20 || cfg.RequestReadTimeout != 90*time.Second ||
		cfg.TherapyStorageQuota != 0 || cfg.AvatarMaxRecordingBytes != 10_000_000_000 {
		t.Fatalf("explicit ceilings = %+v", cfg)
	}
}
