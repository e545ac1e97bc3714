// Package decisionws adapts the decision-actions domain to the WebSocket contract
// in specs/decisions.asyncapi.yaml (generated types in gen/decisions).
package decisionws

import (
	"context"
	"encoding/json"
	"net/http"

	gen "github.com/sessionhub/server/gen/decisions"
	"github.com/sessionhub/server/internal/decisions"
	"github.com/sessionhub/server/internal/platform/clientaddr"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/platform/wsschema"
)

// API serves /ws.
type API struct {
	svc       *decisions.Service
	hub       *wsconn.Hub
	validator *wsschema.Validator
	guard     *decisions.Guard
	opts      wsconn.Options
}

// actions maps each action (case-sensitive, as sent) to its message name.
var actions = map[string]string{
	gen.RegisterRequestActionValue:     gen.MsgRegister,
	gen.ConnectionRequestActionValue:   gen.MsgConnection,
	gen.TakeDecisionRequestActionValue: gen.MsgTakeDecision,
	gen.DisconnectRequestActionValue:   gen.MsgDisconnect,
	gen.GetDecisionsRequestActionValue: gen.MsgGetDecisions,
}

// New compiles the action schemas and returns the API; limits bound failed
// credential checks per connection, per client address and per process.
func New(svc *decisions.Service, hub *wsconn.Hub, limits decisions.Limits) (*API, error) {
	names := make([]string, 0, len(actions))
	for _, name := range actions {
		names = append(names, name)
	}
	v, err := wsschema.Compile(gen.MessageSchema, names...)
	if err != nil {
		return nil, err
	}
	return &API{svc: svc, hub: hub, validator: v, guard: decisions.NewGuard(limits),
		opts: wsconn.Options{API: "decisions", ReadLimit: gen.Channels[0].ReadLimit, Refuse: refuseUpgrade}}, nil
}

// Path is where the API is mounted.
func (a *API) Path() string { return gen.ChannelWs }

// ServeHTTP upgrades the request and answers actions until the client leaves.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer wsconn.RefuseOnPanic(w, a.opts)
	_, _ = a.hub.Serve(w, r, a.opts, &connection{api: a, failures: a.guard.ForConnection(clientaddr.Of(r))}, nil)
}

// upgradeCodes are the documented codes of the refused upgrades.
var upgradeCodes = map[int]gen.UpgradeErrorBodyCode{
	http.StatusTooManyRequests:    gen.UpgradeErrorBodyCodeTooManyConnections,
	http.StatusServiceUnavailable: gen.UpgradeErrorBodyCodeServiceUnavailable,
}

// refuseUpgrade writes a refused upgrade in the documented body.
func refuseUpgrade(w http.ResponseWriter, refusal wsconn.Refusal) {
	code, ok := upgradeCodes[refusal.Status]
	if !ok {
		code = gen.UpgradeErrorBodyCodeInternalError
	}
	body, _ := json.Marshal(gen.UpgradeErrorBody{Status: gen.UpgradeErrorBodyStatusValue, Code: code, Message: refusal.Message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(refusal.Status)
	_, _ = w.Write(body)
}

// connection is one client's state: only its failure count. Tokens are not
// remembered per connection; every action presents its own.
type connection struct {
	api      *API
	failures *decisions.FailureLimiter
}

func (c *connection) OnOpen(*wsconn.Conn) error         { return nil }
func (c *connection) OnClose(*wsconn.Conn, int, string) {}

func (c *connection) OnMessage(conn *wsconn.Conn, data []byte) {
	_ = conn.SendJSON(c.handle(conn.Context(), data))
}

// handle turns one frame into its one reply, checking in the documented
// order: JSON → action → rate limit → credential → fields → the action.
func (c *connection) handle(ctx context.Context, data []byte) any {
	frame, err := wsschema.Decode(data)
	if err != nil {
		return errorReply(nil, gen.ErrorCodeInvalidJSON, "JSON decoding error")
	}
	obj, _ := frame.(map[string]any)
	action, isString := obj["action"].(string)
	if !isString {
		return errorReply(nil, gen.ErrorCodeMissingAction, "Missing action field")
	}
	message, known := actions[action]
	if !known {
		return errorReply(&action, gen.ErrorCodeUnknownAction, "Unknown action: "+action)
	}
	guessable := action == gen.RegisterRequestActionValue || action == gen.ConnectionRequestActionValue
	if err := c.failures.Check(guessable); err != nil {
		return replyFor(action, err)
	}
	reply, err := c.dispatch(ctx, action, message, obj, frame, data)
	if err != nil {
		c.failures.Record(err)
		return replyFor(action, err)
	}
	return reply
}

func (c *connection) dispatch(ctx context.Context, action, message string, obj map[string]any, frame any, data []byte) (any, error) {
	svc := c.api.svc
	switch action {
	case gen.RegisterRequestActionValue:
		key, _ := obj["API_KEY"].(string)
		if err := svc.CheckAPIKey(key); err != nil {
			return nil, err
		}
		var req gen.RegisterRequest
		if err := c.decode(message, frame, data, &req); err != nil {
			return nil, err
		}
		prompt := ""
		if req.Prompt != nil {
			prompt = *req.Prompt
		}
		reg, err := svc.Register(ctx, req.APIKey, decisions.NewUser{Checksum: req.Checksum, Name: req.Name, Prompt: prompt})
		return gen.RegisterSuccess{Action: action, Status: success, Token: reg.Token, Data: reg.Token, Created: reg.Created}, err
	case gen.ConnectionRequestActionValue:
		var req gen.ConnectionRequest
		if err := c.decode(message, frame, data, &req); err != nil {
			return nil, err
		}
		token, err := svc.Connect(ctx, req.Checksum)
		return gen.ConnectionSuccess{Action: action, Status: success, Token: token, Data: token}, err
	default:
		return c.dispatchWithToken(ctx, action, message, obj, frame, data)
	}
}

// dispatchWithToken runs the token actions; the token is checked before the
// other fields, so a bad token is always INVALID_TOKEN.
func (c *connection) dispatchWithToken(ctx context.Context, action, message string, obj map[string]any, frame any, data []byte) (any, error) {
	svc := c.api.svc
	token, _ := obj["token"].(string)
	principal, err := svc.Authenticate(ctx, token)
	if err != nil {
		return nil, err
	}
	switch action {
	case gen.TakeDecisionRequestActionValue:
		var req gen.TakeDecisionRequest
		if err := c.decode(message, frame, data, &req); err != nil {
			return nil, err
		}
		d, err := svc.TakeDecision(ctx, principal, req.Message)
		return gen.TakeDecisionSuccess{Action: action, Status: success, Data: toWire(d)}, err
	case gen.DisconnectRequestActionValue:
		if err := c.decode(message, frame, data, &gen.DisconnectRequest{}); err != nil {
			return nil, err
		}
		return gen.DisconnectSuccess{Action: action, Status: success, Data: gen.DisconnectSuccessDataValue, Message: gen.DisconnectSuccessMessageValue},
			svc.Disconnect(ctx, principal)
	default: // gen.GetDecisionsRequestActionValue; actions admits nothing else
		var req gen.GetDecisionsRequest
		if err := c.decode(message, frame, data, &req); err != nil {
			return nil, err
		}
		q := decisions.PageQuery{}
		if req.Limit != nil {
			q.Limit = int(*req.Limit)
		}
		if req.Before != nil {
			q.Before = *req.Before
		}
		page, err := svc.Decisions(ctx, principal, q)
		return gen.GetDecisionsSuccess{Action: action, Status: success, Data: toWirePage(page)}, err
	}
}

// decode validates the frame against the message's schema and fills req.
func (c *connection) decode(message string, frame any, data []byte, req any) error {
	if problem := c.api.validator.Validate(message, frame); problem != nil {
		return problem
	}
	return wsschema.Unmarshal(data, req)
}

const success = "success"

func toWire(d decisions.Decision) gen.Decision {
	return gen.Decision{DecisionID: d.ID, Message: d.Message, RecordedAt: d.RecordedAt}
}

func toWirePage(p decisions.Page) gen.GetDecisionsSuccessData {
	out := gen.GetDecisionsSuccessData{Decisions: make([]gen.Decision, len(p.Decisions))}
	for i, d := range p.Decisions {
		out.Decisions[i] = toWire(d)
	}
	if p.NextCursor != "" {
		out.NextCursor = &p.NextCursor
	}
	return out
}
