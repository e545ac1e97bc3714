package metrics

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
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

	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "http_requests_total" {
			continue
		}
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "method" {
					methods[l.GetValue()] += metric.GetCounter().GetValue()
				}
			}
		}
	}
	want := map[string]float64{OtherMethod: 200, http.MethodGet: 1, http.MethodPatch: 1}
	if len(methods) != len(want) {
		t.Fatalf("method label values = %v, want exactly %v", methods, want)
	}
	for method, n := range want {
		if methods[method] != n {
			t.Fatalf("method label values = %v, want %v", methods, want)
		}
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
