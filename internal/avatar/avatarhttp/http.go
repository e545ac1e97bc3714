// Package avatarhttp adapts the avatar session domain to the REST contract in
// specs/avatar.openapi.yaml (generated strict server in gen/avatar).
package avatarhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	gen "github.com/sessionhub/server/gen/avatar"
	"github.com/sessionhub/server/internal/avatar"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/ginstrict"
	"github.com/sessionhub/server/internal/platform/restvalidate"
	"github.com/sessionhub/server/internal/platform/uuidform"
)

// maxBodyBytes is the documented limit of a start or stop body.
const maxBodyBytes = 64 << 10

// Handlers implements the generated strict server interface.
type Handlers struct {
	svc          *avatar.Service
	websocketURL string
}

var _ gen.StrictServerInterface = (*Handlers)(nil)

// Register mounts the API on r: API-key check first (403, then 401), then
// the body limit and the contract's request validation, then the handlers.
func Register(r gin.IRouter, svc *avatar.Service, keys *auth.KeySet, websocketURL string) error {
	doc, err := gen.GetSwagger()
	if err != nil {
		return fmt.Errorf("load avatar spec: %w", err)
	}
	// A JSON body sent with no Content-Type or as text/plain is read as
	// JSON, as on every REST API of this server.
	validate, err := restvalidate.Middleware(doc, writeProblem, restvalidate.Options{PlainTextJSON: true})
	if err != nil {
		return err
	}
	h := &Handlers{svc: svc, websocketURL: websocketURL}
	strict := gen.NewStrictHandlerWithOptions(h, nil, gen.StrictGinServerOptions{
		RequestErrorHandlerFunc: func(c *gin.Context, err error) {
			writeError(c, http.StatusBadRequest, "Invalid request", "INVALID_JSON", "Invalid JSON in request body")
		},
		HandlerErrorFunc: writeDomainError,
		ResponseErrorHandlerFunc: func(c *gin.Context, err error) {
			slog.Error("avatar: writing response failed", "err", err)
		},
	})
	group := r.Group("", recovery(), requireAPIKey(keys), ginstrict.LimitBody(func(*gin.Context) int64 { return maxBodyBytes }), validate)
	gen.RegisterHandlersWithOptions(group, strict, gen.GinServerOptions{
		ErrorHandler: func(c *gin.Context, err error, status int) {
			writeError(c, http.StatusBadRequest, "Invalid request", "VALIDATION_ERROR", "Invalid path parameter")
		},
	})
	return nil
}

// recovery answers a panic in an avatar handler with this API's documented
// 500 body; the server's own recovery knows no API's body.
func recovery() gin.HandlerFunc {
	return gin.CustomRecovery(func(c *gin.Context, recovered any) {
		slog.Error("avatar: panic serving request", "route", c.FullPath(), "panic", fmt.Sprint(recovered))
		writeError(c, http.StatusInternalServerError, "Internal Server Error", "INTERNAL_ERROR", "Internal error")
	})
}

// apiKeyContext carries the caller's key from the middleware to handlers.
type apiKeyContext struct{}

func requireAPIKey(keys *auth.KeySet) gin.HandlerFunc {
	return func(c *gin.Context) {
		key := c.GetHeader("x-api-key")
		switch {
		case key == "":
			writeError(c, http.StatusForbidden, "Forbidden", "MISSING_API_KEY", "API key header missing")
		case !keys.Contains(key):
			writeError(c, http.StatusUnauthorized, "Unauthorized", "INVALID_API_KEY", "Invalid API key")
		default:
			c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), apiKeyContext{}, key))
			c.Next()
			return
		}
		c.Abort()
	}
}

func apiKey(ctx context.Context) string {
	key, _ := ctx.Value(apiKeyContext{}).(string)
	return key
}

// StartSession creates a session and returns where and how to connect.
func (h *Handlers) StartSession(ctx context.Context, req gen.StartSessionRequestObject) (gen.StartSessionResponseObject, error) {
	ctx = ginstrict.RequestContext(ctx)
	started, err := h.svc.Start(ctx, apiKey(ctx), toConfig(req.Body))
	if err != nil {
		return nil, err
	}
	return gen.StartSession200JSONResponse{
		SessionId:        uuidform.Minted(started.Session.ID),
		WebsocketAddress: h.websocketURL,
		SessionToken:     started.Token,
	}, nil
}

// StopSession ends a session; the token may be in the body or the
// Authorization header (Agora's TEN client sends it there).
func (h *Handlers) StopSession(ctx context.Context, req gen.StopSessionRequestObject) (gen.StopSessionResponseObject, error) {
	token := ""
	if req.Body.SessionToken != nil {
		token = *req.Body.SessionToken
	} else if g, ok := ctx.(*gin.Context); ok {
		token, _ = auth.BearerToken(g.GetHeader("Authorization"))
	}
	ctx = ginstrict.RequestContext(ctx)
	if err := h.svc.Stop(ctx, apiKey(ctx), req.Body.SessionId, token); err != nil {
		return nil, err
	}
	return gen.StopSession200JSONResponse{Status: gen.Success, Message: gen.SessionTerminatedSuccessfully}, nil
}

// GetSessionStatus reports a session's state and what it received.
func (h *Handlers) GetSessionStatus(ctx context.Context, req gen.GetSessionStatusRequestObject) (gen.GetSessionStatusResponseObject, error) {
	ctx = ginstrict.RequestContext(ctx)
	s, err := h.svc.Status(ctx, apiKey(ctx), req.SessionId)
	if err != nil {
		return nil, err
	}
	return gen.GetSessionStatus200JSONResponse(toStatus(s)), nil
}

func toConfig(body *gen.StartSessionRequest) avatar.Config {
	idle := avatar.DefaultIdleTimeout
	if body.ActivityIdleTimeout != nil {
		idle = avatar.IdleTimeoutOf(float64(*body.ActivityIdleTimeout))
	}
	return avatar.Config{
		AvatarID: body.AvatarId, Quality: string(body.Quality), Version: string(body.Version),
		VideoEncoding: string(body.VideoEncoding), ActivityIdleTimeout: idle,
		Agora: avatar.AgoraSettings{
			AppID: body.AgoraSettings.AppId, Token: body.AgoraSettings.Token, Channel: body.AgoraSettings.Channel,
			UID: body.AgoraSettings.Uid, EnableStringUID: body.AgoraSettings.EnableStringUid,
		},
		Vendor: vendorFields(body),
	}
}

// vendorFields keeps the optional and unknown settings as sent, read
// from the request as the client wrote it (the generated type keeps
// unknown fields in AdditionalProperties and writes them back inline).
func vendorFields(body *gen.StartSessionRequest) []byte {
	var doc map[string]any
	raw, err := json.Marshal(body)
	if err == nil {
		err = json.Unmarshal(raw, &doc)
	}
	if err != nil {
		return []byte("{}") // decoded JSON always encodes again
	}
	return avatar.VendorFields(doc)
}

func toStatus(s avatar.Session) gen.SessionStatus {
	st := gen.SessionStatus{
		SessionId:           uuidform.Minted(s.ID),
		State:               gen.SessionState(s.State),
		AvatarId:            s.Config.AvatarID,
		ActivityIdleTimeout: s.Config.ActivityIdleTimeout.Seconds(),
		CreatedAt:           s.CreatedAt,
		EndedAt:             s.EndedAt,
	}
	if s.EndedReason != "" {
		reason := gen.EndedReason(s.EndedReason)
		st.EndedReason = &reason
	}
	st.LastActivityAt = s.LastActivityAt
	st.Connected = s.Connected()
	st.Initialized = s.Initialized
	st.Counts = gen.SessionCounts{
		Utterances: int(s.Counts.Utterances), AudioSeconds: s.Counts.AudioSeconds,
		Interruptions: int(s.Counts.Interruptions), Specials: int(s.Counts.Specials), Frames: int(s.Counts.Frames),
	}
	return st
}

// writeDomainError is the one place domain errors become documented bodies.
func writeDomainError(c *gin.Context, err error) {
	var limit *avatar.LimitError
	var field *avatar.InvalidFieldError
	switch {
	case errors.As(err, &field):
		writeError(c, http.StatusBadRequest, "Invalid request", "VALIDATION_ERROR", field.Message(""))
	case errors.Is(err, avatar.ErrNotFound):
		writeError(c, http.StatusNotFound, "Not found", "SESSION_NOT_FOUND", "Session not found or already terminated")
	case errors.Is(err, avatar.ErrInvalidToken):
		writeError(c, http.StatusUnauthorized, "Unauthorized", "INVALID_SESSION_TOKEN", "Invalid session token")
	case errors.Is(err, avatar.ErrMissingToken):
		writeError(c, http.StatusBadRequest, "Invalid request", "VALIDATION_ERROR", "Missing required field: session_token")
	case errors.As(err, &limit):
		writeError(c, http.StatusTooManyRequests, "Too Many Requests", "TOO_MANY_SESSIONS",
			fmt.Sprintf("Too many concurrent sessions for this API key (limit %d)", limit.Limit))
	default:
		slog.Error("avatar request failed", "route", c.FullPath(), "err", err)
		writeError(c, http.StatusInternalServerError, "Internal Server Error", "INTERNAL_ERROR", "Internal error")
	}
}

// writeProblem renders a request that breaks the contract in the seed's
// error body: 415 and 413 for the media type and size, 400 for the rest.
func writeProblem(c *gin.Context, p restvalidate.Problem) {
	code, message := "VALIDATION_ERROR", p.Message
	switch p.Kind {
	case restvalidate.UnsupportedMediaType:
		writeError(c, http.StatusUnsupportedMediaType, "Unsupported Media Type", "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json")
		return
	case restvalidate.BodyTooLarge:
		writeError(c, http.StatusRequestEntityTooLarge, "Payload Too Large", "PAYLOAD_TOO_LARGE", fmt.Sprintf("Request body too large (limit %d bytes)", maxBodyBytes))
		return
	case restvalidate.InvalidJSON:
		code, message = "INVALID_JSON", "Invalid JSON in request body"
	case restvalidate.MissingBody:
		message = "Missing request body"
	case restvalidate.BodyTimeout:
		writeError(c, http.StatusRequestTimeout, "Request Timeout", "REQUEST_TIMEOUT", p.Message)
		return
	case restvalidate.InvalidField:
		if p.Field == "" {
			message = "Request body must be a JSON object"
		}
	}
	writeError(c, http.StatusBadRequest, "Invalid request", code, message)
}

func writeError(c *gin.Context, status int, title, code, message string) {
	c.AbortWithStatusJSON(status, gin.H{"error": title, "message": message, "code": code})
}
