// Package ginstrict holds what the REST adapters over oapi-codegen's Gin
// strict servers share about the request itself.
package ginstrict

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

// RequestContext is the request's own context. Strict handlers receive the
// pooled *gin.Context, which gin hands to the next request as soon as this
// one returns; a database driver that watches ctx.Done() from a goroutine of
// its own (SQLite's interrupt watcher, pgx's context watcher) must hold the
// request's context instead, or it reads the next request's fields.
func RequestContext(ctx context.Context) context.Context {
	if g, ok := ctx.(*gin.Context); ok && g.Request != nil {
		return g.Request.Context()
	}
	return ctx
}

// LimitBody caps each request's body at limit(c) bytes: reading past it
// fails with *http.MaxBytesError, which the API answers as too large.
func LimitBody(limit func(c *gin.Context) int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit(c))
		}
		c.Next()
	}
}
