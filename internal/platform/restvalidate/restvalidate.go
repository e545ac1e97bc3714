// Package restvalidate checks every REST request against its OpenAPI
// operation before the generated strict handlers see it (oapi-codegen's
// strict server does not validate bodies), and describes each mismatch in a
// structured Problem so every API can render it in its own documented body.
package restvalidate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	"github.com/sessionhub/server/internal/platform/fielderr"
	"github.com/sessionhub/server/internal/platform/storedtext"
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
	// RepeatedParameter: a parameter that takes one value was given several
	// times (?page=1&page=2); Field names it.
	RepeatedParameter
	// BodyTimeout: the body did not arrive before the server's read
	// deadline (HTTP_READ_TIMEOUT).
	BodyTimeout
)

// BodyTimeoutMessage is the wording of a BodyTimeout, for every API.
const BodyTimeoutMessage = "Request body did not arrive within the server's time limit"

// BodyTimedOut reports whether err comes from reading a request body past
// the server's read deadline: the client sent it too slowly.
func BodyTimedOut(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// deadlineWatch is a request body that remembers whether a read ran into
// the server's read deadline: a parser on top of it may report the cut as
// something else (multipart: "malformed MIME header" for a header line the
// deadline cut short).
type deadlineWatch struct {
	io.ReadCloser
	hit atomic.Bool
}

func (b *deadlineWatch) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && BodyTimedOut(err) {
		b.hit.Store(true)
	}
	return n, err
}

type deadlineWatchKey struct{}

// watchDeadline makes the request's body a deadlineWatch that
// BodyDeadlinePassed finds through the request's context.
func watchDeadline(r *http.Request) *http.Request {
	if r.Body == nil || r.Body == http.NoBody {
		return r
	}
	w := &deadlineWatch{ReadCloser: r.Body}
	r = r.WithContext(context.WithValue(r.Context(), deadlineWatchKey{}, w))
	r.Body = w
	return r
}

// BodyDeadlinePassed reports whether reading the body of the request whose
// context ctx is ran into the server's read deadline, whatever the reader
// on top of it made of that.
func BodyDeadlinePassed(ctx context.Context) bool {
	w, ok := ctx.Value(deadlineWatchKey{}).(*deadlineWatch)
	return ok && w.hit.Load()
}

// Problem is one way a request fails its operation's contract.
type Problem struct {
	Kind    Kind
	Field   string // dotted body path or parameter name
	In      string // "body", "query", "path" or "header"
	Message string // safe to show to the client: never echoes the value
	// Reason is why the value was refused, without the field's name (e.g.
	// "must be one of a, b"), for a writer with a wording of its own; set
	// for invalid and repeated parameters and invalid fields.
	Reason string
	// BodyTypes are the media types the operation's body may have (sorted;
	// none when it takes no body), so a writer can say which one is wanted.
	BodyTypes []string
}

// Writer renders a Problem in the API's documented error body.
type Writer func(c *gin.Context, p Problem)

// Options tunes the validator.
type Options struct {
	// SkipBodyFor lists media types whose bodies the handler validates
	// itself while streaming (multipart uploads must never be buffered).
	// Only operations that take the media type skip: elsewhere it is
	// refused like any other undeclared one.
	SkipBodyFor []string
	// PlainTextJSON makes operations that take application/json read a
	// body sent with no Content-Type, or as text/plain (any parameters), as
	// JSON: what fetch sends for a string body when the caller sets no
	// header. Such a request is relabelled application/json before it is
	// validated, so it is validated, bound and refused exactly like one
	// that said application/json.
	PlainTextJSON bool
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
	// Defaults are never written into the request: kin-openapi would also
	// put them in place of an explicit null (which then passed as if the
	// field were absent); every handler applies its own defaults, and a null
	// stays a null that the schema refuses.
	filterOpts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SkipSettingDefaults: true}
	return func(c *gin.Context) {
		route, params, err := router.FindRoute(c.Request)
		if err != nil {
			c.Next()
			return
		}
		fail := func(p Problem) {
			p.BodyTypes = bodyTypes(route.Operation)
			write(c, p)
			c.Abort()
		}
		if p, repeated := repeatedParameter(route.Operation, c.Request.URL.Query()); repeated {
			fail(p)
			return
		}
		decodePathParams(params)
		c.Request = watchDeadline(c.Request)
		if opts.PlainTextJSON && takesJSON(route.Operation) && unlabelledOrPlainText(c.Request) {
			c.Request.Header.Set("Content-Type", "application/json")
		}
		o := *filterOpts
		if skipsBody(c.Request, route.Operation, opts.SkipBodyFor) {
			o.ExcludeRequestBody = true
		}
		in := &openapi3filter.RequestValidationInput{Request: c.Request, PathParams: params, Route: withoutSecurity(route), Options: &o}
		if err := openapi3filter.ValidateRequest(c.Request.Context(), in); err != nil {
			fail(Describe(err))
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

// withoutSecurity is the route with no security requirements. The APIs
// authenticate in their own middleware, and kin-openapi's security check
// reads the whole body into memory first (for authentication functions that
// might look at it), which would buffer every upload that must be streamed.
func withoutSecurity(route *routers.Route) *routers.Route {
	op := *route.Operation
	op.Security = &openapi3.SecurityRequirements{}
	r := *route
	r.Operation = &op
	return &r
}

// decodePathParams percent-decodes the router's path parameters, so they are
// checked as the handlers see them: an id of 22 × "é" is 22 characters, not
// the 132 of its encoded form. A value that does not decode is kept as sent.
func decodePathParams(params map[string]string) {
	for name, raw := range params {
		if v, err := url.PathUnescape(raw); err == nil {
			params[name] = v
		}
	}
}

// repeatedParameter finds a query parameter that takes one value but was
// given several: kin-openapi and the generated binders would silently use
// one of them, or fail without naming the parameter.
func repeatedParameter(op *openapi3.Operation, query url.Values) (Problem, bool) {
	for _, ref := range op.Parameters {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInQuery || len(query[p.Name]) < 2 {
			continue
		}
		if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type.Is(openapi3.TypeArray) {
			continue
		}
		const reason = "must be given only once"
		return Problem{Kind: RepeatedParameter, In: p.In, Field: p.Name, Reason: reason,
			Message: fmt.Sprintf("Invalid value for parameter: %s (%s)", p.Name, reason)}, true
	}
	return Problem{}, false
}

func bodyTypes(op *openapi3.Operation) []string {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	types := make([]string, 0, len(op.RequestBody.Value.Content))
	for mt := range op.RequestBody.Value.Content {
		types = append(types, mt)
	}
	sort.Strings(types)
	return types
}

func takesJSON(op *openapi3.Operation) bool {
	return op.RequestBody != nil && op.RequestBody.Value != nil && op.RequestBody.Value.Content["application/json"] != nil
}

// unlabelledOrPlainText: no Content-Type, or text/plain with any parameters.
// A header that does not parse is left for the validator to refuse.
func unlabelledOrPlainText(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return true
	}
	mediaType, _, err := mime.ParseMediaType(ct)
	return err == nil && mediaType == "text/plain"
}

// skipsBody goes by the media type alone, parameters unparsed: a body with a
// malformed boundary is still the streaming handler's to refuse, never
// buffered here.
func skipsBody(r *http.Request, op *openapi3.Operation, mediaTypes []string) bool {
	mediaType, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	if op.RequestBody == nil || op.RequestBody.Value == nil || op.RequestBody.Value.Content[mediaType] == nil {
		return false
	}
	return slices.Contains(mediaTypes, mediaType)
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
	return Problem{Kind: InvalidParameter, In: p.In, Field: p.Name, Reason: reason, Message: fmt.Sprintf("Invalid value for parameter: %s (%s)", p.Name, reason)}
}

func describeSchema(e *openapi3.SchemaError) Problem { return describeSchemaAt(nil, e) }

// describeSchemaAt describes e, whose path is relative to the body path at.
func describeSchemaAt(at []string, e *openapi3.SchemaError) Problem {
	path := append(slices.Clip(at), e.JSONPointer()...)
	field := strings.Join(path, ".")
	if rule, ok := crossFieldRule(e); ok {
		// kin-openapi checks a schema's combinators before its own
		// properties; a field that is itself missing or wrong is the
		// clearer answer, so the rule across fields is reported only when
		// every field is valid on its own.
		plain := *e.Schema
		plain.OneOf, plain.AnyOf, plain.Not = nil, nil, nil
		var own *openapi3.SchemaError
		if err := plain.VisitJSON(e.Value); errors.As(err, &own) {
			return describeSchemaAt(path, own)
		}
		field = strings.Join(append(path, rule.field), ".")
		return Problem{Kind: InvalidField, In: "body", Field: field, Reason: rule.reason, Message: fielderr.Message(field, rule.reason)}
	}
	if e.SchemaField == "required" {
		return Problem{Kind: MissingField, In: "body", Field: field, Message: "Missing required field: " + field}
	}
	reason := schemaReason(e)
	if field == "" {
		return Problem{Kind: InvalidField, In: "body", Reason: reason, Message: "Invalid request body (" + reason + ")"}
	}
	return Problem{Kind: InvalidField, In: "body", Field: field, Reason: reason, Message: fielderr.Message(field, reason)}
}

// errorRule is a spec's x-error on a schema whose oneOf, anyOf or not states
// a rule across its properties: the property an error names and why. A
// combinator's own failure points at the object, not at a field, and its
// reason ("doesn't match any schema from oneOf") says nothing to a client.
type errorRule struct{ field, reason string }

func crossFieldRule(e *openapi3.SchemaError) (errorRule, bool) {
	switch e.SchemaField {
	case "oneOf", "anyOf", "not":
	default:
		return errorRule{}, false
	}
	if e.Schema == nil {
		return errorRule{}, false
	}
	x, _ := e.Schema.Extensions["x-error"].(map[string]any)
	field, _ := x["field"].(string)
	reason, _ := x["reason"].(string)
	return errorRule{field: field, reason: reason}, field != "" && reason != ""
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
	switch e.SchemaField {
	case "additionalProperties":
		return "unknown field"
	case "nullable":
		return "must not be null"
	case "pattern":
		if e.Schema == nil {
			break
		}
		if r, ok := storedtext.Reason(e.Schema.Pattern); ok {
			return r
		}
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
