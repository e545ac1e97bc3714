// Package petchat is the pet-care conversation domain (seed 002): who a user
// is, conversations between a pet's owner and care providers, their messages
// and who may read and write them.
package petchat

import (
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/platform/convert"
	"github.com/sessionhub/server/internal/platform/fielderr"
	"github.com/sessionhub/server/internal/platform/paging"
	"github.com/sessionhub/server/internal/platform/ratelimit"
)

// Limits the spec documents.
const (
	MaxProviders     = 20
	MaxContentLength = 4000 // characters (Unicode code points)
)

// Pages bound the pages of get_conversations and get_history.
var Pages = paging.Sizes{Default: 50, Max: 100}

var (
	// ErrConversationNotFound: no conversation has that id.
	ErrConversationNotFound = errors.New("conversation not found")
	// ErrNotParticipant: the user is neither the client nor a provider.
	ErrNotParticipant = errors.New("not a participant of the conversation")
	// ErrInvalid: a request breaks a rule; see InvalidError for the field.
	ErrInvalid = errors.New("invalid request")
)

// Scope says which limit refused a new conversation.
type Scope int

const (
	// ScopeConnection: the connection created its share of the minute.
	ScopeConnection Scope = iota + 1
	// ScopeUser: a participant (the client or a provider) was in its share
	// of new conversations of the minute.
	ScopeUser
)

// RateLimitedError refuses a new conversation until a limit's window ends.
type RateLimitedError = ratelimit.LimitedError[Scope]

// InvalidError names the offending field (as the client sent it, below data)
// and why it was refused.
// errors.Is(err, ErrInvalid) holds for it.
type InvalidError = fielderr.Error

func invalid(field, reason string) error { return fielderr.New(ErrInvalid, field, reason) }

// Conversation is one conversation about a pet between its owner (the
// client, who created it) and one or more care providers.
type Conversation struct {
	ID          string
	PetID       string
	ClientID    string
	Providers   []string // in the order given at creation
	CreatedAt   time.Time
	LastMessage *Message // nil until the first message
}

// Participants are the client followed by the providers.
func (c Conversation) Participants() []string {
	return append([]string{c.ClientID}, c.Providers...)
}

// HasParticipant reports whether user may read and write the conversation.
func (c Conversation) HasParticipant(user string) bool {
	return c.ClientID == user || slices.Contains(c.Providers, user)
}

// Message is one stored chat message.
type Message struct {
	ID             string
	ConversationID string
	SenderID       string
	Content        string
	Timestamp      time.Time
}

// NewConversation is what new_conversation supplies.
type NewConversation struct {
	PetID     string
	Providers []string
}

func (n NewConversation) validate(creator string) error {
	if _, err := uuid.Parse(n.PetID); err != nil {
		return invalid("pet_id", "must be a valid uuid")
	}
	if len(n.Providers) == 0 || len(n.Providers) > MaxProviders {
		return invalid("providers", fmt.Sprintf("must have 1 to %d items", MaxProviders))
	}
	seen := make(map[string]bool, len(n.Providers))
	for _, p := range n.Providers {
		id, err := uuid.Parse(p)
		switch {
		case err != nil:
			return invalid("providers", "must contain valid uuids")
		case seen[id.String()]:
			return invalid("providers", "must not contain duplicates")
		case id.String() == creator:
			return invalid("providers", "must not contain yourself")
		}
		seen[id.String()] = true
	}
	return nil
}

func validateContent(content string) error {
	n := utf8.RuneCountInString(content)
	if n == 0 {
		return invalid("content", "must not be empty")
	}
	if n > MaxContentLength {
		return invalid("content", fmt.Sprintf("must be at most %d characters", MaxContentLength))
	}
	return nil
}

// canonicalIDs returns the ids in uuid's canonical (lower-case) form; they
// were validated before.
func canonicalIDs(ids []string) []string {
	return convert.Each(ids, func(id string) string { return uuid.MustParse(id).String() })
}
