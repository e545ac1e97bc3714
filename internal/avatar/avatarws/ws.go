// Package avatarws adapts the avatar session stream to the WebSocket contract
// in specs/avatar-stream.asyncapi.yaml (generated types in gen/avatarstream).
package avatarws

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	gen "github.com/sessionhub/server/gen/avatarstream"
	"github.com/sessionhub/server/internal/avatar"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/platform/wsschema"
)

// API serves the session WebSocket.
type API struct {
	svc     *avatar.Service
	hub     *wsconn.Hub
	inbound *wsschema.Inbound
	opts    wsconn.Options
}

// New compiles the command schemas and returns the API.
func New(svc *avatar.Service, hub *wsconn.Hub) (*API, error) {
	in, err := wsschema.NewInbound(gen.Channels[0], gen.Messages, gen.MessageSchema)
	if err != nil {
		return nil, err
	}
	return &API{svc: svc, hub: hub, inbound: in, opts: wsconn.Options{API: "avatar", ReadLimit: gen.Channels[0].ReadLimit, Refuse: refuseUpgrade}}, nil
}

// Path is where the API is mounted.
func (a *API) Path() string { return gen.ChannelV1Websocket }

// ServeHTTP authorizes the upgrade (401 with the seed's error body before
// switching protocols), then serves the session's commands.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer wsconn.RefuseOnPanic(w, a.opts)
	token, _ := auth.BearerToken(r.Header.Get("Authorization"))
	sessionID, err := a.svc.Authorize(r.Context(), token, r.URL.Query().Get("session_id"))
	if err != nil {
		refuseUnauthorized(w, err)
		return
	}
	_, _ = a.hub.Serve(w, r, a.opts, &connection{api: a, sessionID: sessionID}, nil)
}

// unauthorized words each 401 of the upgrade.
var unauthorized = []struct {
	err     error
	code    gen.UpgradeErrorBodyCode
	message string
}{
	{avatar.ErrMissingToken, gen.UpgradeErrorBodyCodeMissingSessionToken, "Session token missing"},
	{avatar.ErrTokenExpired, gen.UpgradeErrorBodyCodeSessionTokenExpired, "Session token expired"},
	{avatar.ErrSessionEnded, gen.UpgradeErrorBodyCodeSessionEnded, "Session has ended"},
	{avatar.ErrSessionMismatch, gen.UpgradeErrorBodyCodeSessionMismatch, "Session token does not match session_id"},
	{avatar.ErrInvalidToken, gen.UpgradeErrorBodyCodeInvalidSessionToken, "Invalid session token"},
}

// refuseUnauthorized is the one place authorization errors become 401
// bodies; anything else is an internal error.
func refuseUnauthorized(w http.ResponseWriter, err error) {
	for _, u := range unauthorized {
		if errors.Is(err, u.err) {
			refuseUpgrade(w, wsconn.Refusal{Status: http.StatusUnauthorized, Code: string(u.code), Message: u.message})
			return
		}
	}
	slog.Error("avatar: authorize websocket", "err", err)
	refuseUpgrade(w, wsconn.Refusal{Status: http.StatusInternalServerError, Message: "Internal error"})
}

// refuseUpgrade writes a refusal of the connection layer (or a failure) in
// the seed's error body, whose error is the status's phrase.
var refuseUpgrade = wsconn.JSONRefusal(func(r wsconn.Refusal) any {
	return gen.UpgradeErrorBody{Error: gen.UpgradeErrorBodyError(http.StatusText(r.Status)), Code: gen.UpgradeErrorBodyCode(r.StatusCode()), Message: r.Message}
})

// Close codes and reasons of this channel beyond the shared layer's.
const (
	closeReplaced  = 4009 // 4000 + 409 Conflict, the servers' shared convention
	reasonReplaced = "replaced by a newer connection"
)

// endReasons are the documented 1000 close reasons.
var endReasons = map[avatar.EndReason]string{
	avatar.EndedByStop:        "session stopped",
	avatar.EndedByIdleTimeout: "idle timeout",
}

// connection is one WebSocket; it is the domain's Link to it.
type connection struct {
	api       *API
	sessionID string
	conn      *wsconn.Conn
	stream    *avatar.Connection
}

func (c *connection) SessionEnded(reason avatar.EndReason) {
	c.conn.Close(wsconn.CloseNormal, endReasons[reason])
}

func (c *connection) Replaced() { c.conn.Close(closeReplaced, reasonReplaced) }

func (c *connection) OnOpen(conn *wsconn.Conn) error {
	c.conn = conn
	// The attachment must complete even if the client leaves meanwhile, so
	// that OnClose finds it and detaches.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(conn.Context()), detachTimeout)
	defer cancel()
	stream, err := c.api.svc.Attach(ctx, c.sessionID, c)
	if errors.Is(err, avatar.ErrSessionEnded) {
		// Ended between the authorization and the upgrade.
		conn.Close(wsconn.CloseNormal, endReasons[avatar.EndedByStop])
		return nil
	}
	c.stream = stream
	return err
}

// OnClose detaches the stream. Only this server's own shutdown finishes the
// open utterance; a client's close, whatever its code and reason, leaves it
// open for a reconnect.
func (c *connection) OnClose(conn *wsconn.Conn, _ int, _ string) {
	if c.stream == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(conn.Context()), detachTimeout)
	defer cancel()
	c.stream.Detach(ctx, c.api.hub.ShuttingDown())
}

func (c *connection) OnMessage(conn *wsconn.Conn, data []byte) {
	if c.stream == nil {
		return
	}
	c.stream.Received()
	if reply := c.handle(conn.Context(), data); reply != nil {
		_ = conn.Reply(reply)
	}
}
