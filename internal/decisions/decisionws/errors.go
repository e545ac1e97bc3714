package decisionws

import (
	"errors"
	"log/slog"

	gen "github.com/sessionhub/server/gen/decisions"
	"github.com/sessionhub/server/internal/decisions"
	"github.com/sessionhub/server/internal/platform/wsschema"
)

// replyFor is the one place errors become error replies. Unexpected errors
// are logged and answered without their details.
func replyFor(action string, err error) gen.ErrorReply {
	var problem *wsschema.Problem
	var field *decisions.FieldError
	var limited *decisions.RateLimitedError
	switch {
	case errors.As(err, &limited):
		return rateLimited(action, limited)
	case errors.Is(err, decisions.ErrInvalidAPIKey):
		return errorReply(&action, gen.ErrorCodeInvalidAPIKey, "Invalid API key")
	case errors.Is(err, decisions.ErrNotRegistered):
		return errorReply(&action, gen.ErrorCodeNotRegistered, "Unknown checksum")
	case errors.Is(err, decisions.ErrInvalidToken):
		return errorReply(&action, gen.ErrorCodeInvalidToken, "Invalid or revoked token")
	case errors.As(err, &problem):
		return errorReply(&action, gen.ErrorCodeValidationError, problem.Message)
	case errors.As(err, &field):
		return errorReply(&action, gen.ErrorCodeValidationError, field.Message(""))
	default:
		slog.Error("decision action failed", "action", action, "err", err)
		return errorReply(&action, gen.ErrorCodeInternalError, "Internal error")
	}
}

// rateLimitMessages word each limit as the spec documents it.
var rateLimitMessages = map[decisions.Scope]string{
	decisions.ScopeConnection: "Too many failed attempts; retry later",
	decisions.ScopeAddress:    "Too many failed attempts from this address; retry later",
	decisions.ScopeServer:     "Too many failed attempts on this server; Register and Connection resume later",
}

// rateLimited answers a limited action.
func rateLimited(action string, limited *decisions.RateLimitedError) gen.ErrorReply {
	secs := limited.RetryAfterSeconds()
	reply := errorReply(&action, gen.ErrorCodeRateLimited, rateLimitMessages[limited.Scope])
	reply.RetryAfter = &secs
	return reply
}

func errorReply(action *string, code gen.ErrorCode, message string) gen.ErrorReply {
	return gen.ErrorReply{Status: gen.ErrorReplyStatusValue, Code: code, Message: message, Action: action}
}
