package restvalidate

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
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
                timeout: {type: number, default: 120}
                pair:
                  type: object
                  properties: {numeric: {type: boolean}, id: {type: string}}
                  oneOf:
                    - {properties: {numeric: {enum: [false]}}}
                    - {properties: {numeric: {enum: [true]}, id: {pattern: '^[0-9]+$'}}}
                  x-error: {field: id, reason: must be digits when numeric is true}
              not: {required: [name, alias]}
              x-error: {field: alias, reason: must be absent when name is given}
      responses: {"200": {description: ok}}
    get:
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: tag, in: query, schema: {type: array, items: {type: string}}}
      responses: {"200": {description: ok}}
  /items/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, maxLength: 22}}
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
	r.GET("/api/v1/items/:id", func(c *gin.Context) { c.Status(http.StatusOK) })

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
		// An explicit null is not the field's default: it is refused.
		{"null with a default", "POST", "/api/v1/items", "application/json", `{"name":"n","kind":"a","timeout":null}`, InvalidField, "Invalid value for field: timeout (must not be null)"},
		{"absent with a default", "POST", "/api/v1/items", "application/json", `{"name":"n","kind":"a"}`, 0, ""},
		// A rule across fields (oneOf, not) is reported as its x-error says,
		// at the path of the object that states it.
		{"cross-field rule kept", "POST", "/api/v1/items", "application/json", `{"name":"n","kind":"a","pair":{"numeric":true,"id":"7"}}`, 0, ""},
		{"nested cross-field rule", "POST", "/api/v1/items", "application/json", `{"name":"n","kind":"a","pair":{"numeric":true,"id":"x"}}`, InvalidField, "Invalid value for field: pair.id (must be digits when numeric is true)"},
		// A field wrong on its own is named before a rule across fields.
		{"nested field before the rule", "POST", "/api/v1/items", "application/json", `{"name":"n","kind":"a","pair":{"numeric":"yes","id":"x"}}`, InvalidField, "Invalid value for field: pair.numeric (value must be a boolean)"},
		{"field before the top-level rule", "POST", "/api/v1/items", "application/json", `{"name":"","kind":"a","alias":"m"}`, InvalidField, "Invalid value for field: name (minimum string length is 1)"},
		{"top-level cross-field rule", "POST", "/api/v1/items", "application/json", `{"name":"n","kind":"a","alias":"m"}`, InvalidField, "Invalid value for field: alias (must be absent when name is given)"},
		// A single-valued parameter given twice is named; arrays repeat.
		{"repeated parameter", "GET", "/api/v1/items?page=1&page=2", "", ``, RepeatedParameter, "Invalid value for parameter: page (must be given only once)"},
		{"repeated array parameter", "GET", "/api/v1/items?tag=a&tag=b", "", ``, 0, ""},
		// Path parameters are measured decoded: 22 × "é" is 22 characters.
		{"encoded path parameter", "GET", "/api/v1/items/" + strings.Repeat("%C3%A9", 22), "", ``, 0, ""},
		{"long path parameter", "GET", "/api/v1/items/" + strings.Repeat("%C3%A9", 23), "", ``, InvalidParameter, "Invalid value for parameter: id (maximum string length is 22)"},
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
			// An invalid value's reason is the message's explanation, for
			// writers that word the message their own way.
			explains := tt.kind == InvalidField || tt.kind == InvalidParameter || tt.kind == RepeatedParameter
			if open := strings.Index(tt.message, " ("); explains && open >= 0 && got.Reason != tt.message[open+2:len(tt.message)-1] {
				t.Fatalf("reason = %q, want the explanation in %q", got.Reason, tt.message)
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
			if (got == nil) != (want == nil) || got != nil && !reflect.DeepEqual(*got, *want) || saw != wantSaw {
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

const securedUploadSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
security: [{bearer: []}]
paths:
  /upload:
    post:
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema: {type: object}
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
`

// countingBody records how much of the body was read before the handler.
type countingBody struct {
	r    *strings.Reader
	read int
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	return n, err
}
func (b *countingBody) Close() error { return nil }

// TestSkippedBodiesStayUnread: a multipart body is the handler's to stream,
// also on an operation with security requirements (kin-openapi's security
// check would read the whole body into memory first).
func TestSkippedBodiesStayUnread(t *testing.T) {
	gin.SetMode(gin.TestMode)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(securedUploadSpec))
	if err != nil {
		t.Fatal(err)
	}
	mw, err := Middleware(doc, func(c *gin.Context, p Problem) { t.Errorf("problem %+v", p); c.AbortWithStatus(400) },
		Options{SkipBodyFor: []string{"multipart/form-data"}})
	if err != nil {
		t.Fatal(err)
	}
	body := &countingBody{r: strings.NewReader(strings.Repeat("x", 1<<20))}
	readBeforeHandler := -1
	r := gin.New()
	r.Use(mw)
	r.POST("/upload", func(c *gin.Context) { readBeforeHandler = body.read; c.Status(http.StatusOK) })
	req := httptest.NewRequest("POST", "/upload", body)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	r.ServeHTTP(httptest.NewRecorder(), req)
	if readBeforeHandler != 0 {
		t.Fatalf("the validator read %d bytes of a body it was told to skip, want 0 (uploads must stream)", readBeforeHandler)
	}
}
