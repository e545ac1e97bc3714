// Package vrws adapts the VR training domain to the WebSocket contract in
// specs/vrtraining.asyncapi.yaml (generated types in gen/vrtraining).
package vrws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	gen "github.com/sessionhub/server/gen/vrtraining"
	"github.com/sessionhub/server/internal/platform/convert"
	"github.com/sessionhub/server/internal/platform/ratelimit"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/platform/wsschema"
	"github.com/sessionhub/server/internal/vrtraining"
)

// API serves /ws/sessions.
type API struct {
	svc       *vrtraining.Service
	hub       *wsconn.Hub
	bus       Subscriber
	inbound   *wsschema.Inbound
	opts      wsconn.Options
	creations ratelimit.Rule // create_session per connection
}

// Subscriber is the cross-process bus (pubsub.Bus) the service publishes
// its changes on.
type Subscriber interface {
	Subscribe(topic string, fn func(payload []byte)) (unsubscribe func())
}

// New compiles the command schemas and returns the API; one connection may
// create sessionsPerMinute sessions a minute (0: no limit).
func New(svc *vrtraining.Service, hub *wsconn.Hub, bus Subscriber, sessionsPerMinute int) (*API, error) {
	in, err := wsschema.NewInbound(gen.Channels[0], gen.Messages, gen.MessageSchema)
	if err != nil {
		return nil, err
	}
	return &API{svc: svc, hub: hub, bus: bus, inbound: in, opts: wsconn.Options{API: "vrtraining", ReadLimit: gen.Channels[0].ReadLimit, Refuse: refuseUpgrade},
		creations: ratelimit.PerMinute(sessionsPerMinute)}, nil
}

// Path is where the API is mounted.
func (a *API) Path() string { return gen.ChannelWsSessions }

// ServeHTTP upgrades the request and serves commands until the client leaves.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer wsconn.RefuseOnPanic(w, a.opts)
	_, _ = a.hub.Serve(w, r, a.opts, &connection{api: a, creations: ratelimit.NewWindow(a.creations)}, nil)
}

// refuseUpgrade writes a refused upgrade in the documented body.
var refuseUpgrade = wsconn.JSONRefusal(func(r wsconn.Refusal) any {
	return gen.UpgradeErrorBody{ResponseType: gen.UpgradeErrorBodyResponseTypeValue, Code: gen.UpgradeErrorBodyCode(r.StatusCode()), Message: r.Message}
})

// connection is one client's state. While a command is being handled,
// session_changed events for this connection wait, so the command's own
// reply always comes before the events it caused.
type connection struct {
	api       *API
	creations *ratelimit.Window // used by the connection's one reader only

	mu        sync.Mutex
	busy      bool
	deferred  []gen.SessionChanged
	stopWatch func()
}

func (c *connection) OnOpen(*wsconn.Conn) error { return nil }

func (c *connection) OnClose(*wsconn.Conn, int, string) { c.unwatch() }

func (c *connection) OnMessage(conn *wsconn.Conn, data []byte) {
	c.mu.Lock()
	c.busy = true
	c.mu.Unlock()

	_ = conn.Reply(c.api.inbound.Answer(data, replies, func(f wsschema.Frame, payload any) (any, error) {
		return c.dispatch(conn.Context(), conn, f.Value, payload)
	}))

	// Sending only queues: the held-back events go out under the lock, so
	// an event arriving meanwhile cannot overtake them.
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busy = false
	for _, ev := range c.deferred {
		_ = conn.SendJSON(ev)
	}
	c.deferred = nil
}

// replies word the refusals of a frame.
var replies = wsschema.EchoingReplies("command", wsschema.RefusalCodes{
	InvalidJSON: string(gen.ErrorCodeInvalidJSON), Unknown: string(gen.ErrorCodeUnknownCommand), Invalid: string(gen.ErrorCodeValidationError),
}, func(echo *string, code, message string) any { return errorReply(echo, gen.ErrorCode(code), message) },
	func(f wsschema.Frame, err error) any { return domainError(f.Value, err) })

// dispatch runs one decoded command; payload is its generated request type.
func (c *connection) dispatch(ctx context.Context, conn *wsconn.Conn, command string, payload any) (any, error) {
	svc := c.api.svc
	switch req := payload.(type) {
	case *gen.CreateSessionRequest:
		if wait, limited := c.creations.Blocked(time.Now()); limited {
			return nil, &rateLimitedError{RetryAfter: wait}
		}
		s, err := svc.Create(ctx, vrtraining.NewSession{ScenarioID: req.Data.ScenarioID, AvatarID: req.Data.AvatarID, ObserverID: req.Data.ObserverID})
		if err == nil { // only stored sessions count
			c.creations.Add(time.Now())
		}
		return gen.CreateSessionSuccess{Command: command, ResponseType: success, Data: toWire(s), Message: text("Session created")}, err
	case *gen.UpdateSessionRequest:
		s, err := svc.Update(ctx, req.Data.SessionID, vrtraining.Update{Status: vrtraining.Status(req.Data.Status), Notes: req.Data.Notes, Score: req.Data.Score})
		return gen.UpdateSessionSuccess{Command: command, ResponseType: success, Data: toWire(s), Message: text("Session updated")}, withID(err, req.Data.SessionID)
	case *gen.GetActiveSessionsRequest:
		q := vrtraining.PageQuery{ActiveOnly: true}
		if req.Data != nil {
			q.Limit, q.After = pageOf(req.Data.Limit, req.Data.After)
		}
		page, err := svc.List(ctx, q)
		return gen.GetActiveSessionsSuccess{Command: command, ResponseType: success, Data: convert.Each(page.Sessions, toWire), NextCursor: convert.Cursor(page.NextCursor)}, err
	case *gen.GetSessionJSONRequest:
		if req.Data != nil && req.Data.SessionID != nil {
			s, err := svc.Get(ctx, *req.Data.SessionID)
			return gen.GetSessionJSONSuccessOne{Command: command, ResponseType: success, Data: toWire(s)}, withID(err, *req.Data.SessionID)
		}
		var q vrtraining.PageQuery
		if req.Data != nil {
			q.Limit, q.After = pageOf(req.Data.Limit, req.Data.After)
		}
		page, err := svc.List(ctx, q)
		return gen.GetSessionJSONSuccessAll{Command: command, ResponseType: success, Data: convert.Each(page.Sessions, toWire), NextCursor: convert.Cursor(page.NextCursor)}, err
	case *gen.WatchSessionsRequest:
		c.watch(conn)
		return gen.WatchSessionsSuccess{Command: command, ResponseType: success, Data: gen.WatchState{Watching: true}}, nil
	case *gen.UnwatchSessionsRequest:
		c.unwatch()
		return gen.UnwatchSessionsSuccess{Command: command, ResponseType: success, Data: gen.WatchState{Watching: false}}, nil
	default:
		return nil, fmt.Errorf("vrtraining: command %s has no handler", command)
	}
}

func (c *connection) watch(conn *wsconn.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopWatch != nil {
		return
	}
	c.stopWatch = c.api.bus.Subscribe(vrtraining.ChangesTopic, func(payload []byte) { c.tell(conn, payload) })
}

// tell sends one change to a watcher; it runs on the bus's goroutine, so it
// only queues, and while a command is being handled it holds the event
// back for the command's reply to go first.
func (c *connection) tell(conn *wsconn.Conn, payload []byte) {
	var ch vrtraining.Change
	if err := json.Unmarshal(payload, &ch); err != nil {
		slog.Error("vrtraining: undecodable session change dropped", "err", err)
		return
	}
	ev := gen.SessionChanged{Command: gen.SessionChangedCommandValue, ResponseType: gen.SessionChangedResponseTypeValue, Data: toWire(ch.Session), Message: gen.SessionChangedMessage(ch.Kind)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.busy {
		c.deferred = append(c.deferred, ev)
		return
	}
	_ = conn.SendJSON(ev)
}

func (c *connection) unwatch() {
	c.mu.Lock()
	stop := c.stopWatch
	c.stopWatch = nil
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
}

const success = "success"

// idError carries the session id a domain error is about, for the message.
type idError struct {
	id  string
	err error
}

func (e *idError) Error() string { return e.err.Error() }
func (e *idError) Unwrap() error { return e.err }

func withID(err error, id string) error {
	if err == nil {
		return nil
	}
	return &idError{id: id, err: err}
}

// rateLimitedError refuses a create_session until the connection's window
// ends; the connection's is the API's one limit.
type rateLimitedError = ratelimit.LimitedError[int]

// domainError is the one place domain errors become error replies.
func domainError(command string, err error) gen.ErrorReply {
	id := ""
	var final *vrtraining.FinalError
	var ie *idError
	var field *vrtraining.FieldError
	var limited *rateLimitedError
	if errors.As(err, &ie) {
		id = ie.id
	}
	switch {
	case errors.As(err, &field):
		return errorReply(&command, gen.ErrorCodeValidationError, field.Message("data."))
	case errors.As(err, &limited):
		reply := errorReply(&command, gen.ErrorCodeRateLimited, "Too many sessions created on this connection; retry later")
		secs := limited.RetryAfterSeconds()
		reply.RetryAfter = &secs
		return reply
	case errors.Is(err, vrtraining.ErrNotFound):
		return errorReply(&command, gen.ErrorCodeSessionNotFound, "Session not found: "+id)
	case errors.As(err, &final):
		return errorReply(&command, gen.ErrorCodeSessionFinal, fmt.Sprintf("Session is final: %s is %s", final.ID, final.Status))
	case errors.Is(err, vrtraining.ErrInvalid):
		return errorReply(&command, gen.ErrorCodeValidationError, "Invalid request: "+err.Error())
	default:
		slog.Error("vrtraining command failed", "command", command, "err", err)
		return errorReply(&command, gen.ErrorCodeInternalError, "Internal error")
	}
}

func errorReply(command *string, code gen.ErrorCode, message string) gen.ErrorReply {
	return gen.ErrorReply{ResponseType: gen.ErrorReplyResponseTypeValue, Code: code, Message: message, Command: command}
}

func text(s string) *string { return &s }

func toWire(s vrtraining.Session) gen.Session {
	return gen.Session{
		SessionID: s.ID, ScenarioID: s.ScenarioID, AvatarID: s.AvatarID, ObserverID: s.ObserverID,
		Status: gen.SessionStatus(s.Status), Notes: s.Notes, Score: s.Score,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, EndedAt: s.EndedAt,
	}
}

// pageOf reads a request's paging fields.
func pageOf(limit *int64, after *string) (int, string) {
	var q vrtraining.PageQuery
	if limit != nil {
		q.Limit = int(*limit)
	}
	if after != nil {
		q.After = *after
	}
	return q.Limit, q.After
}
