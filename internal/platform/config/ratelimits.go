package config

import "fmt"

// RateLimits are the per-minute limits that keep one client from guessing
// credentials or filling the database (issue 10). Each is an environment
// variable; 0 switches a limit off.
type RateLimits struct {
	// DecisionFailuresPerAddress: failed credential checks of the decision
	// API per client address (DECISION_MAX_FAILURES_PER_ADDRESS).
	DecisionFailuresPerAddress int
	// DecisionFailedGuesses: failed API-key and checksum checks of the
	// decision API per server process (DECISION_MAX_FAILED_GUESSES).
	DecisionFailedGuesses int
	// PetChatConversationsPerConnection: new_conversation per connection
	// (PETCHAT_MAX_NEW_CONVERSATIONS_PER_CONNECTION).
	PetChatConversationsPerConnection int
	// PetChatConversationsPerUser: new conversations a user takes part in,
	// as client or provider (PETCHAT_MAX_NEW_CONVERSATIONS_PER_USER).
	PetChatConversationsPerUser int
	// VRSessionsPerConnection: create_session per connection
	// (VR_MAX_NEW_SESSIONS_PER_CONNECTION).
	VRSessionsPerConnection int
}

// loadRateLimits reads RateLimits, each with its documented default.
func (c *Config) loadRateLimits(getenv func(string) string) error {
	for _, v := range []struct {
		name     string
		dst      *int
		fallback int
	}{
		{"DECISION_MAX_FAILURES_PER_ADDRESS", &c.RateLimits.DecisionFailuresPerAddress, 30},
		{"DECISION_MAX_FAILED_GUESSES", &c.RateLimits.DecisionFailedGuesses, 600},
		{"PETCHAT_MAX_NEW_CONVERSATIONS_PER_CONNECTION", &c.RateLimits.PetChatConversationsPerConnection, 10},
		{"PETCHAT_MAX_NEW_CONVERSATIONS_PER_USER", &c.RateLimits.PetChatConversationsPerUser, 30},
		{"VR_MAX_NEW_SESSIONS_PER_CONNECTION", &c.RateLimits.VRSessionsPerConnection, 30},
	} {
		n, err := intOr(getenv(v.name), v.fallback)
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		*v.dst = n
	}
	return nil
}
