package config

import "testing"

func TestRateLimitsDefaultsAndOverrides(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := RateLimits{DecisionFailuresPerAddress: 30, DecisionFailedGuesses: 600, PetChatConversationsPerConnection: 10, PetChatConversationsPerUser: 30, VRSessionsPerConnection: 30}
	if cfg.RateLimits != want {
		t.Fatalf("defaults = %+v, want %+v (README's configuration table)", cfg.RateLimits, want)
	}
	cfg, err = Load(env(map[string]string{
		"DECISION_MAX_FAILURES_PER_ADDRESS": "0", "DECISION_MAX_FAILED_GUESSES": "5", "PETCHAT_MAX_NEW_CONVERSATIONS_PER_CONNECTION": "1",
		"PETCHAT_MAX_NEW_CONVERSATIONS_PER_USER": "2", "VR_MAX_NEW_SESSIONS_PER_CONNECTION": "3",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want = RateLimits{DecisionFailedGuesses: 5, PetChatConversationsPerConnection: 1, PetChatConversationsPerUser: 2, VRSessionsPerConnection: 3}
	if cfg.RateLimits != want {
		t.Fatalf("overrides = %+v, want %+v", cfg.RateLimits, want)
	}
	for _, name := range []string{"DECISION_MAX_FAILURES_PER_ADDRESS", "DECISION_MAX_FAILED_GUESSES", "PETCHAT_MAX_NEW_CONVERSATIONS_PER_CONNECTION", "PETCHAT_MAX_NEW_CONVERSATIONS_PER_USER", "VR_MAX_NEW_SESSIONS_PER_CONNECTION"} {
		if _, err := Load(env(map[string]string{name: "-1"})); err == nil {
			t.Errorf("%s=-1 accepted", name)
		}
	}
}
