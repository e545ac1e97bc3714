// Package petchatws adapts the pet-care conversation domain to the WebSocket
// contract in specs/petchat.asyncapi.yaml (generated types in gen/petchat).
package petchatws

import (
	"context"
	"fmt"
	"net/http"
	"time"

	gen "github.com/sessionhub/server/gen/petchat"
	"github.com/sessionhub/server/internal/petchat"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/convert"
	"github.com/sessionhub/server/internal/platform/ratelimit"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/platform/wsschema"
)

// API serves /ws/.
type API struct {
	svc     *petchat.Service
	hub     *wsconn.Hub
	tokens  *auth.Signer
	router  *Router
	inbound *wsschema.Inbound
	opts    wsconn.Options
	// newConversations is each connection's limit of new_conversation.
	newConversations ratelimit.Rule
}

// New compiles the event schemas and returns the API; router must be the
// notifier svc was built with (it joins this API's connections). One
// connection may create conversationsPerMinute conversations a minute (0:
// no limit).
func New(svc *petchat.Service, hub *wsconn.Hub, router *Router, tokens *auth.Signer, conversationsPerMinute int) (*API, error) {
	in, err := wsschema.NewInbound(gen.Channels[0], gen.Messages, gen.MessageSchema)
	if err != nil {
		return nil, err
	}
	return &API{
		svc: svc, hub: hub, tokens: tokens, router: router, inbound: in,
		opts:             wsconn.Options{API: "petchat", ReadLimit: gen.Channels[0].ReadLimit, Refuse: refuseUpgrade},
		newConversations: ratelimit.PerMinute(conversationsPerMinute),
	}, nil
}

// Path is where the API is mounted (with the trailing slash).
func (a *API) Path() string { return gen.ChannelWsSlash }

// ServeHTTP identifies the user, upgrades and serves events until the client
// leaves. Bad credentials are refused with 401 before the upgrade.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer wsconn.RefuseOnPanic(w, a.opts)
	user, refusal := a.identify(r)
	if refusal != "" {
		refuseUpgrade(w, wsconn.Refusal{Status: http.StatusUnauthorized, Message: refusal})
		return
	}
	_, _ = a.hub.Serve(w, r, a.opts, &connection{api: a, user: user, newConversations: ratelimit.NewWindow(a.newConversations)}, nil)
}

// refuseUpgrade is the one place a refused upgrade gets its documented body.
var refuseUpgrade = wsconn.JSONRefusal(func(r wsconn.Refusal) any {
	return gen.UpgradeErrorBody{Event: gen.UpgradeErrorBodyEventValue, Data: gen.UpgradeErrorBodyData{Code: gen.UpgradeErrorBodyDataCode(r.StatusCode()), Message: r.Message}}
})

// identify returns the connection's user id, or why its credentials are
// refused. The Authorization header wins over access_token; only a request
// that presents no credentials at all is anonymous.
func (a *API) identify(r *http.Request) (user, refusal string) {
	var token string
	switch {
	case r.Header.Get("Authorization") != "":
		t, ok := auth.BearerToken(r.Header.Get("Authorization"))
		if !ok {
			return "", "Authorization header must be Bearer <token>"
		}
		token = t
	default:
		t, present, err := auth.QueryToken(r)
		switch {
		case err != nil:
			// Never anonymous: the query may hold a token we cannot see.
			return "", "Credentials cannot be read: the query string is malformed or repeats access_token"
		case !present:
			return petchat.NewAnonymousUserID(), ""
		case t == "":
			return "", "Empty access_token"
		}
		token = t
	}
	claims, err := a.tokens.Verify(token)
	if err != nil {
		return "", "Invalid bearer token"
	}
	return petchat.UserIDForSubject(claims.Subject), ""
}

// connection is one client's state: who it is, and how many conversations
// it created this minute (used by the connection's one reader only).
type connection struct {
	api              *API
	user             string
	newConversations *ratelimit.Window
}

// OnOpen announces the user id and joins delivery in one step, so
// `connected` is always the first frame and every delivery to the user
// after it reaches this connection.
func (c *connection) OnOpen(conn *wsconn.Conn) error {
	hello, err := wsconn.MarshalFrame(gen.Connected{Event: gen.ConnectedEventValue, Data: gen.ConnectedData{UserID: c.user}})
	if err != nil {
		return err
	}
	return c.api.router.join(c.user, conn, hello)
}

func (c *connection) OnMessage(conn *wsconn.Conn, data []byte) {
	// Deliveries to others go out from dispatch.
	_ = conn.Reply(c.api.inbound.Answer(data, replies, func(f wsschema.Frame, payload any) (any, error) {
		return c.dispatch(conn.Context(), conn, f.Value, payload)
	}))
}

func (c *connection) OnClose(conn *wsconn.Conn, _ int, _ string) {
	c.api.router.leave(c.user, conn)
}

// replies word the refusals of a frame.
var replies = wsschema.EchoingReplies("event", wsschema.RefusalCodes{
	InvalidJSON: string(gen.ErrorCodeInvalidJSON), Unknown: string(gen.ErrorCodeUnknownEvent), Invalid: string(gen.ErrorCodeValidationError),
}, func(echo *string, code, message string) any { return errorEvent(echo, gen.ErrorCode(code), message) },
	func(f wsschema.Frame, err error) any { return domainError(f.Value, err, "") })

// dispatch runs one decoded event; payload is its generated request type.
func (c *connection) dispatch(ctx context.Context, conn *wsconn.Conn, event string, payload any) (any, error) {
	svc := c.api.svc
	switch req := payload.(type) {
	case *gen.ConversationsRequest:
		var q petchat.ListQuery
		if req.Data != nil && req.Data.Limit != nil {
			q.Limit = int(*req.Data.Limit)
		}
		if req.Data != nil && req.Data.Before != nil {
			q.Before = *req.Data.Before
		}
		page, err := svc.List(ctx, c.user, q)
		if err != nil {
			return nil, err
		}
		return gen.ConversationsReply{Event: gen.ConversationsReplyEventValue, Data: gen.ConversationsReplyData{
			Conversations: convert.Each(page.Conversations, toWireConversation), NextCursor: convert.Cursor(page.NextCursor),
		}}, nil
	case *gen.NewConversationRequest:
		if wait, limited := c.newConversations.Blocked(time.Now()); limited {
			return nil, &petchat.RateLimitedError{Scope: petchat.ScopeConnection, RetryAfter: wait}
		}
		conv, err := svc.Create(ctx, c.user, conn.ID(), petchat.NewConversation{PetID: req.Data.PetID, Providers: req.Data.Providers})
		if err != nil {
			return nil, err
		}
		c.newConversations.Add(time.Now())
		return gen.ConversationCreated{Event: gen.ConversationCreatedEventValue, Data: toWireCreated(conv)}, nil
	case *gen.MessageRequest:
		msg, err := svc.Send(ctx, c.user, conn.ID(), req.Data.ConversationID, req.Data.Content)
		if err != nil {
			return domainError(event, err, req.Data.ConversationID), nil
		}
		return gen.MessageSent{Event: gen.MessageSentEventValue, Data: toWireMessage(msg)}, nil
	case *gen.HistoryRequest:
		before, limit := "", 0
		if req.Data.Before != nil {
			before = *req.Data.Before
		}
		if req.Data.Limit != nil {
			limit = int(*req.Data.Limit)
		}
		page, err := svc.History(ctx, c.user, req.Data.ConversationID, before, limit)
		if err != nil {
			return domainError(event, err, req.Data.ConversationID), nil
		}
		return gen.HistoryReply{Event: gen.HistoryReplyEventValue, Data: toWirePage(page)}, nil
	default:
		return nil, fmt.Errorf("petchat: event %s has no handler", event)
	}
}
