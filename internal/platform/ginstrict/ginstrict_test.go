package ginstrict

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

type requestKey struct{}

// TestLimitBodyAndRequestContext: a body past its cap fails to read with
// *http.MaxBytesError, and a handler given the pooled *gin.Context holds
// the request's own context.
func TestLimitBodyAndRequestContext(t *testing.T) {
	gin.SetMode(gin.TestMode)
	engine := gin.New()
	var readErr error
	var fromRequest any
	engine.POST("/", LimitBody(func(*gin.Context) int64 { return 4 }), func(c *gin.Context) {
		_, readErr = io.ReadAll(c.Request.Body)
		fromRequest = RequestContext(c).Value(requestKey{})
	})
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("12345"))
	r = r.WithContext(context.WithValue(r.Context(), requestKey{}, "mine"))
	engine.ServeHTTP(httptest.NewRecorder(), r)
	var tooLarge *http.MaxBytesError
	if !errors.As(readErr, &tooLarge) || tooLarge.Limit != 4 {
		t.Errorf("reading 5 bytes capped at 4: %v, want *http.MaxBytesError with limit 4", readErr)
	}
	if fromRequest != "mine" {
		t.Errorf("RequestContext carries %v, want the request's own context", fromRequest)
	}
}
