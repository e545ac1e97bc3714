package restvalidate

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
)

const spec = `
openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "http://example.com/api/v1"}]
paths:
  /items:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name, kind]
              properties:
                name: {type: string, minLength: 1}
                kind: {type: string, enum: [a, b]}
                nested: {type: object, required: [x], properties: {x: {type: integer}}}
      responses: {"200": {description: ok}}
    get:
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
      responses: {"200": {description: ok}}
  /uploads:
    post:
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema: {type: object, required: [file], properties: {file: {type: string, format: binary}}}
      responses: {"200": {description: ok}}
`

func TestMiddlewareDescribesProblems(t *testing.T) {
	gin.SetMode(gin.TestMode)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got *Problem
	mw, err := Middleware(doc, func(c *gin.Context, p Problem) { got = &p; c.Status(http.StatusBadRequest) }, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(func(c *gin.Context) { c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64); c.Next() }, mw)
	r.POST("/api/v1/items", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/api/v1/items", func(c *gin.Context) { c.Status(http.StatusOK) })

	tests := []struct {
		name, method, target, contentType, body string
		kind                                    Kind
		message                                 string
	}{
		{"valid", "POST", "/api/v1/items", "application/json", `{"name":"n","kind":"a"}`, 0, ""},
		{"bad JSON", "POST", "/api/v1/items", "application/json", `{"name":`, InvalidJSON, "Request body is not valid JSON"},
		{"no body", "POST", "/api/v1/items", "application/json", ``, MissingBody, "Request body is required"},
		{"missing field", "POST", "/api/v1/items", "application/json", `{"kind":"a"}`, MissingField, "Missing required field: name"},
		{"missing nested field", "POST", "/api/v1/items", "application/json", `{"name":"n","kind":"a","nested":{}}`, MissingField, "Missing required field: nested.x"},
		{"bad enum", "POST", "/api/v1/items", "application/json", `{"name":"n","kind":"c"}`, InvalidField, "Invalid value for field: kind (must be one of a, b)"},
		{"wrong media type", "POST", "/api/v1/items", "text/plain", `{"name":"n","kind":"a"}`, UnsupportedMediaType, "Unsupported Content-Type: expected application/json"},
		{"too large", "POST", "/api/v1/items", "application/json", `{"name":"` + strings.Repeat("n", 100) + `","kind":"a"}`, BodyTooLarge, "Request body too large (limit 64 bytes)"},
		{"bad parameter", "GET", "/api/v1/items?page=0", "", ``, InvalidParameter, ""},
		{"unparseable parameter", "GET", "/api/v1/items?page=x", "", ``, InvalidParameter, "Invalid value for parameter: page (is not a valid integer)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			if tt.kind == 0 {
				if got != nil || rec.Code != http.StatusOK {
					t.Fatalf("valid request refused: %+v", got)
				}
				return
			}
			if got == nil || got.Kind != tt.kind || (tt.message != "" && got.Message != tt.message) {
				t.Fatalf("problem = %+v, want kind %d message %q", got, tt.kind, tt.message)
			}
		})
	}
}

// With PlainTextJSON, a body with no Content-Type or labelled text/plain
// (fetch's label for a string body) is JSON: every body gets exactly the
// answer it gets as application/json, and the handler sees it as JSON.
func TestPlainTextJSON(t *testing.T) {
	gin.SetMode(gin.TestMode)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	// serve answers one request: the Problem written, or the Content-Type
	// the handler saw.
	serve := func(opts Options, contentType, body string) (problem *Problem, handlerSaw string) {
		mw, err := Middleware(doc, func(c *gin.Context, p Problem) { problem = &p; c.Status(http.StatusBadRequest) }, opts)
		if err != nil {
			t.Fatal(err)
		}
		r := gin.New()
		r.Use(mw)
		r.POST("/api/v1/items", func(c *gin.Context) { handlerSaw = c.ContentType() })
		req := httptest.NewRequest("POST", "/api/v1/items", strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		r.ServeHTTP(httptest.NewRecorder(), req)
		return problem, handlerSaw
	}
	on := Options{PlainTextJSON: true}
	for _, body := range []string{
		`{"name":"n","kind":"a"}`, `{"name":`, ``, `{"kind":"a"}`, `{"name":"n","kind":"c"}`, `[]`,
	} {
		want, wantSaw := serve(on, "application/json", body)
		for _, ct := range []string{"", "text/plain", "text/plain;charset=UTF-8", "Text/Plain; charset=iso-8859-1"} {
			got, saw := serve(on, ct, body)
			if (got == nil) != (want == nil) || got != nil && *got != *want || saw != wantSaw {
				t.Errorf("%q as %q: problem %+v, handler saw %q; want %+v and %q as for application/json", body, ct, got, saw, want, wantSaw)
			}
		}
	}
	for _, tc := range []struct {
		name        string
		opts        Options
		contentType string
	}{
		{"another media type", on, "application/xml"},
		{"a Content-Type that does not parse", on, "text/plain; charset"},
		{"text/plain without the option", Options{}, "text/plain"},
		{"no Content-Type without the option", Options{}, ""},
	} {
		if got, _ := serve(tc.opts, tc.contentType, `{"name":"n","kind":"a"}`); got == nil || got.Kind != UnsupportedMediaType {
			t.Errorf("%s (%q): problem %+v, want UnsupportedMediaType", tc.name, tc.contentType, got)
		}
	}
}

// A streamed media type skips validation only where the operation takes
// it; a JSON operation called with it is refused, not waved through to a
// handler that would bind the body anyway.
func TestSkipBodyOnlyWhereDeclared(t *testing.T) {
	gin.SetMode(gin.TestMode)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	var got *Problem
	mw, err := Middleware(doc, func(c *gin.Context, p Problem) { got = &p; c.Status(http.StatusBadRequest) }, Options{SkipBodyFor: []string{"multipart/form-data"}})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(mw)
	r.POST("/api/v1/items", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.POST("/api/v1/uploads", func(c *gin.Context) { c.Status(http.StatusOK) })
	for _, tc := range []struct {
		path, contentType string
		want              Kind // 0: reaches the handler unvalidated
	}{
		{"/api/v1/uploads", "multipart/form-data; boundary=x", 0},
		{"/api/v1/uploads", "Multipart/Form-Data; boundary", 0}, // the handler refuses a bad boundary
		{"/api/v1/items", "multipart/form-data; boundary=x", UnsupportedMediaType},
	} {
		got = nil
		req := httptest.NewRequest("POST", tc.path, strings.NewReader(`{"name":"n","kind":"a"}`))
		req.Header.Set("Content-Type", tc.contentType)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		switch {
		case tc.want == 0 && (got != nil || rec.Code != http.StatusOK):
			t.Errorf("%s as %q: problem %+v, want it to reach the handler", tc.path, tc.contentType, got)
		case tc.want != 0 && (got == nil || got.Kind != tc.want):
			t.Errorf("%s as %q: problem %+v, want kind %d", tc.path, tc.contentType, got, tc.want)
		}
	}
}
