// Package restvalidate checks every REST request against its OpenAPI
// operation before the generated strict handlers see it (oapi-codegen's
// strict server does not validate bodies), and describes each mismatch in a
// structured Problem so every API can render it in its own documented body.
package restvalidate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"
)

// Kind classifies a Problem so APIs can choose their error code.
type Kind int

const (
	// InvalidJSON: the body is not parseable as the declared media type.
	InvalidJSON Kind = iota + 1
	// MissingBody: a required request body is absent.
	MissingBody
	// MissingField: a required body property is absent (Field names it).
	MissingField
	// InvalidField: a body property has a wrong type or value.
	InvalidField
	// MissingParameter: a required path, query or header parameter is absent.
	MissingParameter
	// InvalidParameter: a parameter has a wrong type or value.
	InvalidParameter
	// UnsupportedMediaType: the Content-Type is not one the operation takes.
	UnsupportedMediaType
	// BodyTooLarge: the body exceeds the limit set with http.MaxBytesReader.
	BodyTooLarge
	// BodyTimeout: the body did not arrive before the server's read
	// deadline (HTTP_READ_TIMEOUT).
	BodyTimeout
)

// BodyTimeoutMessage is the wording of a BodyTimeout, for every API.
const BodyTimeoutMessage = "Request body did not arrive within the server's time limit"

// BodyTimedOut reports whether err comes from reading a request body past
// the server's read deadline: the client sent it too slowly.
func BodyTimedOut(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// Problem is one way a request fails its operation's contract.
type Problem struct {
	Kind    Kind
	Field   string // dotted body path or parameter name
	In      string // "body", "query", "path" or "header"
	Message string // safe to show to the client: never echoes the value
}

// Writer renders a Problem in the API's documented error body.
type Writer func(c *gin.Context, p Problem)

// Options tunes the validator.
type Options struct {
	// SkipBodyFor lists media types whose bodies the handler validates
	// itself while streaming (multipart uploads must never be buffered).
	SkipBodyFor []string
}

// Middleware validates requests that match an operation of doc; requests that
// match none pass through untouched (the router answers 404/405).
// Authentication is the API's own middleware's job, so security requirements
// are not checked here.
func Middleware(doc *openapi3.T, write Writer, opts Options) (gin.HandlerFunc, error) {
	router, err := NewRouter(doc)
	if err != nil {
		return nil, err
	}
	filterOpts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	return func(c *gin.Context) {
		route, params, err := router.FindRoute(c.Request)
		if err != nil {
			c.Next()
			return
		}
		o := *filterOpts
		if skipsBody(c.Request, opts.SkipBodyFor) {
			o.ExcludeRequestBody = true
		}
		in := &openapi3filter.RequestValidationInput{Request: c.Request, PathParams: params, Route: route, Options: &o}
		if err := openapi3filter.ValidateRequest(c.Request.Context(), in); err != nil {
			write(c, Describe(err))
			c.Abort()
			return
		}
		c.Next()
	}, nil
}

// NewRouter finds a request's operation in doc by path only: the documents'
// servers carry example host names, and matching on the Host header would
// reject real deployments. The servers' base path is kept.
func NewRouter(doc *openapi3.T) (routers.Router, error) {
	clone := *doc
	clone.Servers = nil
	if len(doc.Servers) > 0 {
		if u, err := url.Parse(doc.Servers[0].URL); err == nil && strings.Trim(u.Path, "/") != "" {
			clone.Servers = openapi3.Servers{{URL: strings.TrimSuffix(u.Path, "/")}}
		}
	}
	if err := clone.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("invalid OpenAPI document: %w", err)
	}
	return gorillamux.NewRouter(&clone)
}

func skipsBody(r *http.Request, mediaTypes []string) bool {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	for _, mt := range mediaTypes {
		if strings.HasPrefix(ct, mt) {
			return true
		}
	}
	return false
}

// Describe turns a kin-openapi validation error into a Problem.
func Describe(err error) Problem {
	var reqErr *openapi3filter.RequestError
	if !errors.As(err, &reqErr) {
		return Problem{Kind: InvalidField, In: "body", Message: "Invalid request"}
	}
	if p := reqErr.Parameter; p != nil {
		return describeParameter(p, reqErr)
	}
	var parseErr *openapi3filter.ParseError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(reqErr.Err, &tooLarge):
		return Problem{Kind: BodyTooLarge, In: "body", Message: fmt.Sprintf("Request body too large (limit %d bytes)", tooLarge.Limit)}
	case BodyTimedOut(reqErr.Err):
		return Problem{Kind: BodyTimeout, In: "body", Message: BodyTimeoutMessage}
	case errors.Is(reqErr.Err, openapi3filter.ErrInvalidRequired):
		return Problem{Kind: MissingBody, In: "body", Message: "Request body is required"}
	case reqErr.Err == nil && reqErr.RequestBody != nil:
		// kin-openapi reports an undeclared Content-Type with no cause.
		return Problem{Kind: UnsupportedMediaType, In: "header", Field: "Content-Type", Message: "Unsupported Content-Type: " + mediaTypes(reqErr.RequestBody)}
	case errors.As(reqErr.Err, &parseErr):
		return Problem{Kind: InvalidJSON, In: "body", Message: "Request body is not valid JSON"}
	}
	var schemaErr *openapi3.SchemaError
	if errors.As(reqErr.Err, &schemaErr) {
		return describeSchema(schemaErr)
	}
	return Problem{Kind: InvalidField, In: "body", Message: "Invalid request body"}
}

func describeParameter(p *openapi3.Parameter, reqErr *openapi3filter.RequestError) Problem {
	if errors.Is(reqErr.Err, openapi3filter.ErrInvalidRequired) {
		return Problem{Kind: MissingParameter, In: p.In, Field: p.Name, Message: "Missing required parameter: " + p.Name}
	}
	reason := "has an invalid value"
	var schemaErr *openapi3.SchemaError
	var parseErr *openapi3filter.ParseError
	switch {
	case errors.As(reqErr.Err, &schemaErr):
		reason = schemaReason(schemaErr)
	case errors.As(reqErr.Err, &parseErr):
		reason = "is not a valid " + parameterType(p)
	}
	return Problem{Kind: InvalidParameter, In: p.In, Field: p.Name, Message: fmt.Sprintf("Invalid value for parameter: %s (%s)", p.Name, reason)}
}

func describeSchema(e *openapi3.SchemaError) Problem {
	field := strings.Join(e.JSONPointer(), ".")
	if e.SchemaField == "required" {
		return Problem{Kind: MissingField, In: "body", Field: field, Message: "Missing required field: " + field}
	}
	if field == "" {
		return Problem{Kind: InvalidField, In: "body", Message: "Invalid request body (" + schemaReason(e) + ")"}
	}
	return Problem{Kind: InvalidField, In: "body", Field: field, Message: fmt.Sprintf("Invalid value for field: %s (%s)", field, schemaReason(e))}
}

// schemaReason is kin-openapi's reason, which never includes the value.
func schemaReason(e *openapi3.SchemaError) string {
	if e.SchemaField == "enum" && e.Schema != nil {
		allowed := make([]string, 0, len(e.Schema.Enum))
		for _, v := range e.Schema.Enum {
			allowed = append(allowed, fmt.Sprint(v))
		}
		return "must be one of " + strings.Join(allowed, ", ")
	}
	if e.SchemaField == "additionalProperties" {
		return "unknown field"
	}
	return e.Reason
}

func parameterType(p *openapi3.Parameter) string {
	if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type != nil {
		if types := p.Schema.Value.Type.Slice(); len(types) > 0 {
			return types[0]
		}
	}
	return "value"
}

func mediaTypes(body *openapi3.RequestBody) string {
	types := make([]string, 0, len(body.Content))
	for mt := range body.Content {
		types = append(types, mt)
	}
	sort.Strings(types)
	if len(types) == 0 {
		return "this operation takes no body"
	}
	return "expected " + strings.Join(types, " or ")
}
