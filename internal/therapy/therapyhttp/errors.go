package therapyhttp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	gen "github.com/sessionhub/server/gen/therapy"
	"github.com/sessionhub/server/internal/platform/restvalidate"
	"github.com/sessionhub/server/internal/therapy"
)

// NotFoundMessage answers for a session_id that names none of the caller's
// sessions, on the REST API and the events socket alike. Like every message
// with a field, it starts with the field's name.
const NotFoundMessage = "session_id does not name a session of yours"

// writeDomainError is the one place domain errors become documented bodies.
func writeDomainError(c *gin.Context, err error) {
	var invalid *therapy.ValidationError
	var tooLarge *therapy.TooLargeError
	var overQuota *therapy.QuotaError
	var bodyTooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &invalid):
		writeError(c, http.StatusBadRequest, gen.ErrorCodeValidationError, invalid.Message, invalid.Field)
	case errors.Is(err, therapy.ErrNotFound):
		writeError(c, http.StatusNotFound, gen.ErrorCodeSessionNotFound, NotFoundMessage, "session_id")
	case errors.As(err, &tooLarge):
		writeError(c, http.StatusRequestEntityTooLarge, gen.ErrorCodePayloadTooLarge, tooLarge.Error(), tooLarge.Field)
	case errors.As(err, &overQuota):
		writeError(c, http.StatusRequestEntityTooLarge, gen.ErrorCodeStorageQuotaExceeded, overQuota.Error(), overQuota.Field)
	case errors.As(err, &bodyTooLarge):
		writeError(c, http.StatusRequestEntityTooLarge, gen.ErrorCodePayloadTooLarge, fmt.Sprintf("Request body exceeds the limit of %d bytes", bodyTooLarge.Limit), "")
	case restvalidate.BodyTimedOut(err):
		writeError(c, http.StatusRequestTimeout, gen.ErrorCodeRequestTimeout, restvalidate.BodyTimeoutMessage, "")
	default:
		slog.Error("therapy request failed", "route", c.FullPath(), "err", err)
		writeError(c, http.StatusInternalServerError, gen.ErrorCodeInternalError, "Internal error", "")
	}
}

// parameterMessages are the documented wording for bad query/path values.
var parameterMessages = map[string]string{
	"session_id": "session_id must be a UUID",
	"page":       "page must be an integer between 1 and 1000000",
	"per_page":   "per_page must be between 1 and 100",
	"sort":       "sort must be one of created_at, updated_at",
	"order":      "order must be one of asc, desc",
	"start_time": "start_time must be an RFC 3339 date-time",
	"end_time":   "end_time must be an RFC 3339 date-time",
	"category":   "category must be 1 to 100 characters",
	"type":       "type must be one of insight, belief, challenge, action_item",
}

// writeProblem renders a request that breaks the contract.
func writeProblem(c *gin.Context, p restvalidate.Problem) {
	takesJSON := slices.Contains(p.BodyTypes, "application/json")
	switch p.Kind {
	case restvalidate.InvalidJSON:
		writeError(c, http.StatusBadRequest, gen.ErrorCodeInvalidJson, "Request body is not valid JSON", "")
	case restvalidate.MissingBody:
		if !takesJSON {
			// Multipart bodies are read by the handler, so the validator
			// only sees uploads without a multipart Content-Type: with or
			// without a body, their media type is what is wrong.
			writeError(c, http.StatusUnsupportedMediaType, gen.ErrorCodeUnsupportedMediaType, "Content-Type must be "+strings.Join(p.BodyTypes, " or "), "")
			return
		}
		writeError(c, http.StatusBadRequest, gen.ErrorCodeInvalidJson, "Request body is empty (a JSON object is required)", "")
	case restvalidate.UnsupportedMediaType:
		want := strings.Join(p.BodyTypes, " or ")
		if takesJSON {
			want = "application/json (or text/plain, or none)"
		}
		writeError(c, http.StatusUnsupportedMediaType, gen.ErrorCodeUnsupportedMediaType, "Content-Type must be "+want, "")
	case restvalidate.RepeatedParameter:
		writeError(c, http.StatusBadRequest, gen.ErrorCodeValidationError, p.Field+" must be given only once", p.Field)
	case restvalidate.BodyTooLarge:
		writeError(c, http.StatusRequestEntityTooLarge, gen.ErrorCodePayloadTooLarge, fmt.Sprintf("Request body exceeds the limit of %d bytes", maxJSONBytes), "")
	case restvalidate.BodyTimeout:
		writeError(c, http.StatusRequestTimeout, gen.ErrorCodeRequestTimeout, p.Message, "")
	case restvalidate.MissingParameter, restvalidate.InvalidParameter:
		msg, ok := parameterMessages[p.Field]
		if !ok {
			msg = p.Field + " is invalid"
		}
		writeError(c, http.StatusBadRequest, gen.ErrorCodeValidationError, msg, p.Field)
	case restvalidate.MissingField:
		writeError(c, http.StatusBadRequest, gen.ErrorCodeValidationError, p.Field+" is required", p.Field)
	default:
		if p.Field == "" {
			writeError(c, http.StatusBadRequest, gen.ErrorCodeValidationError, "Request body must be a JSON object with the documented fields", "")
			return
		}
		writeError(c, http.StatusBadRequest, gen.ErrorCodeValidationError, p.Field+" is invalid ("+p.Reason+")", p.Field)
	}
}

func writeError(c *gin.Context, status int, code gen.ErrorCode, message, field string) {
	body := gen.ErrorBody{Status: gen.Error, Code: code, Message: message}
	if field != "" {
		body.Field = &field
	}
	c.AbortWithStatusJSON(status, body)
}
