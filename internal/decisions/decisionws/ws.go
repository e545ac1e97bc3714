// Package decisionws adapts the decision-actions domain to the WebSocket contract
// in specs/decisions.asyncapi.yaml (generated types in gen/decisions).
package decisionws

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	gen "github.com/sessionhub/server/gen/decisions"
	"github.com/sessionhub/server/internal/decisions"
	"github.com/sessionhub/server/internal/platform/clientaddr"
	"github.com/sessionhub/server/internal/platform/convert"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/platform/wsschema"
)

// API serves /ws.
type API struct {
	svc     *decisions.Service
	hub     *wsconn.Hub
	inbound *wsschema.Inbound
	guard   *decisions.Guard
	opts    wsconn.Options
}

// New compiles the action schemas and returns the API; limits bound failed
// credential checks per connection, per client address and per process.
func New(svc *decisions.Service, hub *wsconn.Hub, limits decisions.Limits) (*API, error) {
	in, err := wsschema.NewInbound(gen.Channels[0], gen.Messages, gen.MessageSchema)
	if err != nil {
		return nil, err
	}
	return &API{svc: svc, hub: hub, inbound: in, guard: decisions.NewGuard(limits),
		opts: wsconn.Options{API: "decisions", ReadLimit: gen.Channels[0].ReadLimit, Refuse: refuseUpgrade}}, nil
}

// Path is where the API is mounted.
func (a *API) Path() string { return gen.ChannelWs }

// ServeHTTP upgrades the request and answers actions until the client leaves.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer wsconn.RefuseOnPanic(w, a.opts)
	_, _ = a.hub.Serve(w, r, a.opts, &connection{api: a, failures: a.guard.ForConnection(clientaddr.Of(r))}, nil)
}

// refuseUpgrade writes a refused upgrade in the documented body.
var refuseUpgrade = wsconn.JSONRefusal(func(r wsconn.Refusal) any {
	return gen.UpgradeErrorBody{Status: gen.UpgradeErrorBodyStatusValue, Code: gen.UpgradeErrorBodyCode(r.StatusCode()), Message: r.Message}
})

// connection is one client's state: only its failure count. Tokens are not
// remembered per connection; every action presents its own.
type connection struct {
	api      *API
	failures *decisions.FailureLimiter
}

func (c *connection) OnOpen(*wsconn.Conn) error         { return nil }
func (c *connection) OnClose(*wsconn.Conn, int, string) {}

func (c *connection) OnMessage(conn *wsconn.Conn, data []byte) {
	_ = conn.Reply(c.handle(conn.Context(), data))
}

// handle turns one frame into its one reply, checking in the documented
// order: JSON → action → rate limit → credential → fields → the action.
func (c *connection) handle(ctx context.Context, data []byte) any {
	frame, err := c.api.inbound.Open(data)
	action := frame.Value
	var unknown *wsschema.UnknownMessageError
	switch {
	case errors.Is(err, wsschema.ErrInvalidJSON):
		return errorReply(nil, gen.ErrorCodeInvalidJSON, "JSON decoding error")
	case errors.As(err, &unknown):
		return errorReply(&action, gen.ErrorCodeUnknownAction, "Unknown action: "+action)
	case err != nil: // not an object, or no string action
		return errorReply(nil, gen.ErrorCodeMissingAction, "Missing action field")
	}
	guessable := frame.Name == gen.MsgRegister || frame.Name == gen.MsgConnection
	reply, err := c.failures.Run(guessable, func() (any, error) { return c.dispatch(ctx, frame) })
	if err != nil {
		return replyFor(action, err)
	}
	return reply
}

// dispatch checks the frame's credential before its other fields, so a bad
// API key is always INVALID_API_KEY and a bad token INVALID_TOKEN, then runs
// the action.
func (c *connection) dispatch(ctx context.Context, frame wsschema.Frame) (any, error) {
	svc := c.api.svc
	var principal decisions.Principal
	switch frame.Name {
	case gen.MsgRegister:
		key, _ := frame.Fields()["API_KEY"].(string)
		if err := svc.CheckAPIKey(key); err != nil {
			return nil, err
		}
	case gen.MsgConnection: // the checksum is the credential, checked by Connect
	default:
		token, _ := frame.Fields()["token"].(string)
		var err error
		if principal, err = svc.Authenticate(ctx, token); err != nil {
			return nil, err
		}
	}
	payload, err := c.api.inbound.Decode(frame)
	if err != nil {
		return nil, err
	}
	return c.run(ctx, frame.Value, principal, payload)
}

// run performs one decoded action; payload is its generated request type.
func (c *connection) run(ctx context.Context, action string, principal decisions.Principal, payload any) (any, error) {
	svc := c.api.svc
	switch req := payload.(type) {
	case *gen.RegisterRequest:
		prompt := ""
		if req.Prompt != nil {
			prompt = *req.Prompt
		}
		reg, err := svc.Register(ctx, req.APIKey, decisions.NewUser{Checksum: req.Checksum, Name: req.Name, Prompt: prompt})
		return gen.RegisterSuccess{Action: action, Status: success, Token: reg.Token, Data: reg.Token, Created: reg.Created}, err
	case *gen.ConnectionRequest:
		token, err := svc.Connect(ctx, req.Checksum)
		return gen.ConnectionSuccess{Action: action, Status: success, Token: token, Data: token}, err
	case *gen.TakeDecisionRequest:
		d, err := svc.TakeDecision(ctx, principal, req.Message)
		return gen.TakeDecisionSuccess{Action: action, Status: success, Data: toWire(d)}, err
	case *gen.DisconnectRequest:
		return gen.DisconnectSuccess{Action: action, Status: success, Data: gen.DisconnectSuccessDataValue, Message: gen.DisconnectSuccessMessageValue},
			svc.Disconnect(ctx, principal)
	case *gen.GetDecisionsRequest:
		q := decisions.PageQuery{}
		if req.Limit != nil {
			q.Limit = int(*req.Limit)
		}
		if req.Before != nil {
			q.Before = *req.Before
		}
		page, err := svc.Decisions(ctx, principal, q)
		return gen.GetDecisionsSuccess{Action: action, Status: success, Data: toWirePage(page)}, err
	default:
		return nil, fmt.Errorf("decisions: action %s has no handler", action)
	}
}

const success = "success"

func toWire(d decisions.Decision) gen.Decision {
	return gen.Decision{DecisionID: d.ID, Message: d.Message, RecordedAt: d.RecordedAt}
}

func toWirePage(p decisions.Page) gen.GetDecisionsSuccessData {
	return gen.GetDecisionsSuccessData{Decisions: convert.Each(p.Decisions, toWire), NextCursor: convert.Cursor(p.NextCursor)}
}
