package metrics

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/sessionhub/server/internal/platform/metrics/metricstest"
)

// TestInventedMethodsShareOneLabel: a client may send any token as its HTTP
// method; each distinct label value would be a series kept forever.
func TestInventedMethodsShareOneLabel(t *testing.T) {
	gin.SetMode(gin.TestMode)
	m := New()
	engine := gin.New()
	engine.HandleMethodNotAllowed = true
	engine.Use(m.Middleware())
	engine.GET("/healthz", func(c *gin.Context) { c.Status(http.StatusOK) })

	for i := range 200 {
		engine.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(fmt.Sprintf("X%d", i), "/healthz", nil))
	}
	engine.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	engine.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPatch, "/healthz", nil))

	methods := metricstest.CounterByLabel(t, m.Registry, "http_requests_total", "method")
	want := map[string]float64{OtherMethod: 200, http.MethodGet: 1, http.MethodPatch: 1}
	if !maps.Equal(methods, want) {
		t.Fatalf("method label values = %v, want exactly %v", methods, want)
	}
}

func TestMethodLabel(t *testing.T) {
	for method, want := range map[string]string{
		"GET": "GET", "HEAD": "HEAD", "POST": "POST", "PUT": "PUT", "PATCH": "PATCH", "DELETE": "DELETE",
		"CONNECT": "CONNECT", "OPTIONS": "OPTIONS", "TRACE": "TRACE",
		"get": OtherMethod, "PROPFIND": OtherMethod, "X1": OtherMethod, "": OtherMethod,
	} {
		if got := MethodLabel(method); got != want {
			t.Errorf("MethodLabel(%q) = %q, want %q", method, got, want)
		}
	}
}
