package petchat

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/platform/paging"
	"github.com/sessionhub/server/internal/platform/ratelimit"
)

// Store keeps conversations and messages.
type Store interface {
	// CreateConversation stores a new conversation with its participants.
	CreateConversation(ctx context.Context, c Conversation) error
	// Conversation loads one conversation (LastMessage is not filled);
	// ErrConversationNotFound when there is none.
	Conversation(ctx context.Context, id string) (Conversation, error)
	// ConversationsOf lists up to limit conversations where user is the
	// client or a provider, with their last message, newest activity first
	// (the last message's timestamp, else the creation time), ties by id;
	// after a position when it is not nil.
	ConversationsOf(ctx context.Context, user string, after *ListPosition, limit int) ([]Conversation, error)
	// AddMessages stores msgs in one transaction and makes the newest of
	// each conversation its last message (unless a newer one is stored).
	AddMessages(ctx context.Context, msgs []Message) error
	// Messages returns up to limit messages of a conversation older than
	// before (all when nil), newest first.
	Messages(ctx context.Context, conversationID string, before *Cursor, limit int) ([]Message, error)
}

// Limits bound what clients can make the service store.
type Limits struct {
	// NewConversationsPerUser is how many new conversations one user may
	// take part in per minute, as client or as provider (0: no limit):
	// anyone may name anyone as a provider, so without it one user's list
	// could be filled by strangers.
	NewConversationsPerUser int
	// Writers is how many write transactions the store's database runs at
	// once (0: not bounded). Two batches of messages are stored at once, so
	// that a second transaction fills a commit's wait for the disk, but no
	// more than Writers: with one writer connection (SQLite) a second would
	// only wait for the first, and the smaller batches would cost more index
	// pages a message.
	Writers int
	// Now is the clock of the limits (time.Now when nil).
	Now func() time.Time
}

// Service holds the conversation rules.
type Service struct {
	store    Store
	notifier Notifier
	writer   *messageWriter
	now      func() time.Time
	// newConversations counts, per user, the conversations created with
	// them in this process.
	newConversations *ratelimit.Counter
}

// NewService returns a Service over store that tells participants through
// notifier; Close stops it.
func NewService(store Store, notifier Notifier, limits Limits) *Service {
	return &Service{
		store: store, notifier: notifier, writer: newMessageWriter(store, notifier, limits.Writers),
		now:              func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		newConversations: ratelimit.NewCounter(ratelimit.PerMinute(limits.NewConversationsPerUser), limits.Now),
	}
}

// Close stores the messages already accepted, tells their recipients and
// stops the service's writer.
func (s *Service) Close() { s.writer.close() }

// Create starts a conversation whose client is creator; its participants'
// connections other than origin (the creating connection) are told. It
// counts toward every participant's limit of new conversations, and is
// refused with a *RateLimitedError when one of them has none left.
func (s *Service) Create(ctx context.Context, creator, origin string, n NewConversation) (Conversation, error) {
	if err := n.validate(creator); err != nil {
		return Conversation{}, err
	}
	c := Conversation{
		ID: uuid.NewString(), PetID: uuid.MustParse(n.PetID).String(), ClientID: creator,
		Providers: canonicalIDs(n.Providers), CreatedAt: s.now(),
	}
	if wait, ok := s.newConversations.Take(c.Participants()...); !ok {
		return Conversation{}, &RateLimitedError{Scope: ScopeUser, RetryAfter: wait}
	}
	if err := s.store.CreateConversation(ctx, c); err != nil {
		return Conversation{}, fmt.Errorf("create conversation: %w", err)
	}
	s.notifier.ConversationCreated(context.WithoutCancel(ctx), c, origin)
	return c, nil
}

// ListQuery selects one page of a user's conversations.
type ListQuery struct {
	Limit  int    // 0: Pages.Default
	Before string // a ConversationPage's NextCursor; "" for the newest
}

// ConversationPage is one page of a user's conversations.
type ConversationPage struct {
	Conversations []Conversation // newest activity first
	NextCursor    string         // "" on the last page
}

// List returns one page of the user's conversations, newest activity first.
func (s *Service) List(ctx context.Context, user string, q ListQuery) (ConversationPage, error) {
	limit, err := Pages.Of(ErrInvalid, q.Limit)
	if err != nil {
		return ConversationPage{}, err
	}
	var after *ListPosition
	if q.Before != "" {
		pos, err := ParseListPosition(q.Before)
		if err != nil {
			return ConversationPage{}, invalid("before", "not a cursor of the conversations list")
		}
		after = &pos
	}
	list, next, err := paging.Read(limit, func(n int) ([]Conversation, error) {
		return s.store.ConversationsOf(ctx, user, after, n)
	}, func(last Conversation) string { return PositionOf(last).String() })
	if err != nil {
		return ConversationPage{}, err
	}
	return ConversationPage{Conversations: list, NextCursor: next}, nil
}

// Send stores a message from sender, sent on the connection origin, and
// returns it once it is durable. The conversation's participants' other
// connections are told right after, without holding the sender.
func (s *Service) Send(ctx context.Context, sender, origin, conversationID, content string) (Message, error) {
	if err := validateContent(content); err != nil {
		return Message{}, err
	}
	c, err := s.participantOf(ctx, sender, conversationID)
	if err != nil {
		return Message{}, err
	}
	id, err := uuid.NewV7() // time-ordered: the tie-break among equal timestamps keeps send order
	if err != nil {
		return Message{}, fmt.Errorf("message id: %w", err)
	}
	m := Message{ID: id.String(), ConversationID: c.ID, SenderID: sender, Content: content, Timestamp: s.now()}
	if err := s.writer.submit(ctx, Sent{Message: m, Participants: c.Participants(), Origin: origin}); err != nil {
		return Message{}, fmt.Errorf("store message: %w", err)
	}
	return m, nil
}

// Page is one page of a conversation's history.
type Page struct {
	ConversationID string
	Messages       []Message // oldest first
	NextCursor     string    // the cursor of the next older page; "" when none
}

// History returns up to limit (0: Pages.Default) messages older than the
// cursor before ("" for the newest ones), for a participant.
func (s *Service) History(ctx context.Context, user, conversationID, before string, limit int) (Page, error) {
	limit, err := Pages.Of(ErrInvalid, limit)
	if err != nil {
		return Page{}, err
	}
	c, err := s.participantOf(ctx, user, conversationID)
	if err != nil {
		return Page{}, err
	}
	var cursor *Cursor
	if before != "" {
		cur, err := ParseCursor(before)
		if err != nil || cur.ConversationID != c.ID {
			return Page{}, invalid("before", "not a cursor of this conversation")
		}
		cursor = &cur
	}
	newestFirst, next, err := paging.Read(limit, func(n int) ([]Message, error) {
		return s.store.Messages(ctx, c.ID, cursor, n)
	}, func(oldest Message) string { return CursorOf(oldest).String() })
	if err != nil {
		return Page{}, fmt.Errorf("load history: %w", err)
	}
	slices.Reverse(newestFirst)
	return Page{ConversationID: c.ID, Messages: newestFirst, NextCursor: next}, nil
}

func (s *Service) participantOf(ctx context.Context, user, conversationID string) (Conversation, error) {
	id, err := uuid.Parse(conversationID)
	if err != nil {
		return Conversation{}, invalid("conversation_id", "must be a valid uuid")
	}
	c, err := s.store.Conversation(ctx, id.String())
	if err != nil {
		return Conversation{}, err
	}
	if !c.HasParticipant(user) {
		return Conversation{}, fmt.Errorf("%w: %s", ErrNotParticipant, c.ID)
	}
	return c, nil
}
