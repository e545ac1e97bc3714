package config

import (
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

func TestInvalidValuesAreRefused(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"mysql URL":         {"DATABASE_URL": "mysql://x"},
		"relative base URL": {"PUBLIC_BASE_URL": "localhost:8080"},
		"short secret":      {"AUTH_JWT_SECRET": "short"},
		"negative limit":    {"AVATAR_MAX_SESSIONS_PER_KEY": "-1"},
		"bad timeout":       {"SHUTDOWN_TIMEOUT": "soon"},
	} {
		if _, err := Load(env(vars)); err == nil {
			t.Errorf("%s: Load accepted %v", name, vars)
		}
	}
}
