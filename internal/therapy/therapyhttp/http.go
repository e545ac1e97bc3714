// Package therapyhttp adapts the therapy domain to the REST contract in
// specs/therapy.openapi.yaml (generated strict server in gen/therapy).
package therapyhttp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	gen "github.com/sessionhub/server/gen/therapy"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/ginstrict"
	"github.com/sessionhub/server/internal/platform/restvalidate"
	"github.com/sessionhub/server/internal/platform/uuidform"
	"github.com/sessionhub/server/internal/therapy"
)

// maxJSONBytes is the documented limit of a JSON body.
const maxJSONBytes = 1 << 20

// multipartOverhead is what an upload body may carry beyond the file: the
// part headers and the type part.
const multipartOverhead = 64 << 10

// BasePath is where the REST API is mounted.
const BasePath = "/api/v1"

// Handlers implements the generated strict server interface.
type Handlers struct {
	svc *therapy.Service
}

var _ gen.StrictServerInterface = (*Handlers)(nil)

// Register mounts the API: bearer authentication first (401 before
// anything else), then the body limit and the contract's request
// validation (multipart bodies are checked while streamed), then handlers.
func Register(r gin.IRouter, svc *therapy.Service, tokens *auth.Signer) error {
	doc, err := gen.GetSwagger()
	if err != nil {
		return fmt.Errorf("load therapy spec: %w", err)
	}
	// The seed's TypeScript client may send its JSON with no Content-Type or
	// as fetch's text/plain default; the contract reads both as JSON.
	validate, err := restvalidate.Middleware(doc, writeProblem, restvalidate.Options{SkipBodyFor: []string{"multipart/form-data"}, PlainTextJSON: true})
	if err != nil {
		return err
	}
	h := &Handlers{svc: svc}
	strict := gen.NewStrictHandlerWithOptions(h, []gen.StrictMiddlewareFunc{unpooledContext}, gen.StrictGinServerOptions{
		RequestErrorHandlerFunc: func(c *gin.Context, err error) {
			if strings.HasPrefix(c.ContentType(), "multipart/") {
				writeError(c, http.StatusBadRequest, gen.ErrorCodeValidationError, "file is required (the body is not a valid multipart form)", "file")
				return
			}
			writeError(c, http.StatusBadRequest, gen.ErrorCodeInvalidJson, "Request body is not valid JSON", "")
		},
		HandlerErrorFunc: writeDomainError,
		ResponseErrorHandlerFunc: func(c *gin.Context, err error) {
			slog.Error("therapy: writing response failed", "route", c.FullPath(), "err", err)
		},
	})
	group := r.Group("", Recovery(), authenticate(tokens), ginstrict.LimitBody(bodyLimit(svc.MaxContentBytes())), validate)
	gen.RegisterHandlersWithOptions(group, strict, gen.GinServerOptions{
		BaseURL: BasePath,
		// The contract's validator does not check the uuid format; the
		// generated wrapper's binding does, and session_id is the API's only
		// path parameter.
		ErrorHandler: func(c *gin.Context, err error, status int) {
			if c.Param("session_id") != "" && !uuidform.Valid(c.Param("session_id")) {
				writeError(c, http.StatusBadRequest, gen.ErrorCodeValidationError, parameterMessages["session_id"], "session_id")
				return
			}
			writeError(c, http.StatusBadRequest, gen.ErrorCodeValidationError, "A parameter is invalid", "")
		},
	})
	return nil
}

// unpooledContext hands the handlers a copy of gin's Context. They pass it
// on to the database, and database/sql may read it after the request ended
// (Rows.awaitDone calls ctx.Err() once rows are closed), while gin already
// reuses the pooled original for the next request: a data race. The copy
// still reaches the request's context (cancellation, the caller) and is
// never reused.
func unpooledContext(f gen.StrictHandlerFunc, _ string) gen.StrictHandlerFunc {
	return func(c *gin.Context, request any) (any, error) {
		return f(c.Copy(), request)
	}
}

// Recovery answers a panic in a therapy handler with this API's documented
// 500 body; the server's own recovery knows no API's body. The events
// socket's upgrade route uses it too.
func Recovery() gin.HandlerFunc {
	return gin.CustomRecovery(func(c *gin.Context, recovered any) {
		slog.Error("therapy: panic serving request", "route", c.FullPath(), "panic", fmt.Sprint(recovered))
		writeError(c, http.StatusInternalServerError, gen.ErrorCodeInternalError, "Internal error", "")
	})
}

// ownerKey carries the caller (the token's sub) to the handlers.
type ownerKey struct{}

func authenticate(tokens *auth.Signer) gin.HandlerFunc {
	return func(c *gin.Context) {
		claims, refusal := Authenticate(tokens, c.Request)
		if refusal != nil {
			c.Header("WWW-Authenticate", refusal.Challenge)
			writeError(c, http.StatusUnauthorized, gen.ErrorCodeUnauthorized, refusal.Message, "")
			return
		}
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), ownerKey{}, claims.Subject))
		c.Next()
	}
}

// bodyLimit is a request's cap: an upload's file plus its form, or a JSON
// document.
func bodyLimit(maxContent int64) func(c *gin.Context) int64 {
	return func(c *gin.Context) int64 {
		if strings.HasPrefix(c.ContentType(), "multipart/") {
			return maxContent + multipartOverhead
		}
		return maxJSONBytes
	}
}

func owner(ctx context.Context) string {
	o, _ := ctx.Value(ownerKey{}).(string)
	return o
}
