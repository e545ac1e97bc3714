package petchatws

import (
	"errors"
	"log/slog"

	gen "github.com/sessionhub/server/gen/petchat"
	"github.com/sessionhub/server/internal/petchat"
	"github.com/sessionhub/server/internal/platform/convert"
)

// domainError is the one place domain errors become error events; a
// refusal about a conversation names the one the client asked for
// (conversationID, empty for the events that name none).
func domainError(event string, err error, conversationID string) gen.ErrorEvent {
	var inv *petchat.InvalidError
	var limited *petchat.RateLimitedError
	switch {
	case errors.As(err, &limited):
		return rateLimited(event, limited)
	case errors.As(err, &inv):
		return errorEvent(&event, gen.ErrorCodeValidationError, inv.Message("data."))
	case errors.Is(err, petchat.ErrConversationNotFound):
		return errorEvent(&event, gen.ErrorCodeConversationNotFound, "Conversation not found: "+conversationID)
	case errors.Is(err, petchat.ErrNotParticipant):
		return errorEvent(&event, gen.ErrorCodeNotAParticipant, "Not a participant of conversation: "+conversationID)
	default:
		slog.Error("petchat event failed", "event", event, "err", err)
		return errorEvent(&event, gen.ErrorCodeInternalError, "Internal error")
	}
}

// rateLimitMessages word each limit as the spec documents it.
var rateLimitMessages = map[petchat.Scope]string{
	petchat.ScopeConnection: "Too many new conversations on this connection; retry later",
	petchat.ScopeUser:       "Too many new conversations for one of its participants; retry later",
}

// rateLimited answers a refused new conversation.
func rateLimited(event string, limited *petchat.RateLimitedError) gen.ErrorEvent {
	reply := errorEvent(&event, gen.ErrorCodeRateLimited, rateLimitMessages[limited.Scope])
	secs := limited.RetryAfterSeconds()
	reply.Data.RetryAfter = &secs
	return reply
}

func logDeliveryFailure(err error) {
	slog.Error("petchat delivery failed; the action is stored and visible in conversations/history", "err", err)
}

func errorEvent(event *string, code gen.ErrorCode, message string) gen.ErrorEvent {
	return gen.ErrorEvent{Event: gen.ErrorEventEventValue, Data: gen.ErrorEventData{Code: code, Message: message, Event: event}}
}

func toWireMessage(m petchat.Message) gen.Message {
	return gen.Message{MessageID: m.ID, ConversationID: m.ConversationID, SenderID: m.SenderID, Content: m.Content, Timestamp: m.Timestamp}
}

func toWireCreated(c petchat.Conversation) gen.ConversationCreatedData {
	return gen.ConversationCreatedData{ConversationID: c.ID, PetID: c.PetID, ClientID: c.ClientID, Providers: c.Providers, CreatedAt: c.CreatedAt}
}

func toWireConversation(c petchat.Conversation) gen.Conversation {
	out := gen.Conversation{ConversationID: c.ID, PetID: c.PetID, ClientID: c.ClientID, Providers: c.Providers, CreatedAt: c.CreatedAt}
	if c.LastMessage != nil {
		m := toWireMessage(*c.LastMessage)
		out.LastMessage = &m
	}
	return out
}

func toWirePage(p petchat.Page) gen.HistoryReplyData {
	return gen.HistoryReplyData{ConversationID: p.ConversationID, Messages: convert.Each(p.Messages, toWireMessage), NextCursor: convert.Cursor(p.NextCursor)}
}
