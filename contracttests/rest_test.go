package contracttests

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/sessionhub/server/internal/platform/restvalidate"
	"github.com/sessionhub/server/specs"
)

// restContract is one OpenAPI document the suite checks replies against.
type restContract struct {
	file   string
	doc    *openapi3.T
	router routers.Router
}

// newRESTContract loads file from specs/ itself (not a generated copy).
func newRESTContract(file string, required bool) *restContract {
	raw, err := fs.ReadFile(specs.FS, file)
	if err != nil {
		panic("read " + file + ": " + err.Error())
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		panic("load " + file + ": " + err.Error())
	}
	router, err := restvalidate.NewRouter(doc)
	if err != nil {
		panic("route " + file + ": " + err.Error())
	}
	ledger.register(file, required, restItems(doc))
	return &restContract{file: file, doc: doc, router: router}
}

// checkedDoer is the HTTP client the generated clients use in the suite:
// every reply is validated against its operation (status included) and
// recorded in the ledger; a mismatch fails the test.
type checkedDoer struct {
	t        *testing.T
	contract *restContract
	client   *http.Client
}

func (c *restContract) doer(t *testing.T) *checkedDoer {
	return &checkedDoer{t: t, contract: c, client: &http.Client{Timeout: 30 * time.Second}}
}

func (d *checkedDoer) Do(req *http.Request) (*http.Response, error) {
	d.t.Helper()
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	d.check(req, resp, body)
	return resp, nil
}

func (d *checkedDoer) check(req *http.Request, resp *http.Response, body []byte) {
	d.t.Helper()
	route, params, err := d.contract.router.FindRoute(req)
	if err != nil {
		d.t.Errorf("%s %s: no operation in %s: %v", req.Method, req.URL.Path, d.contract.file, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		d.t.Errorf("%s %s → %d does not match %s (%s): %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, d.contract.file, route.Operation.OperationID, err, body)
		return
	}
	op, status := route.Operation.OperationID, resp.StatusCode
	if codes := responseCodes(route.Operation.Responses.Status(status)); len(codes) > 0 {
		var errBody struct{ Code string }
		_ = json.Unmarshal(body, &errBody)
		if !ledger.hit(d.contract.file, restCodeItem(op, status, errBody.Code)) {
			d.t.Errorf("%s %s → %d %s: not a code %s documents for %s", req.Method, req.URL.Path, status, errBody.Code, d.contract.file, op)
		}
		return
	}
	ledger.hit(d.contract.file, restItem(op, status))
}

// rawRequest sends a hand-built request (malformed bodies, missing headers)
// through the same checks and returns status and decoded JSON body.
func (d *checkedDoer) rawRequest(method, url string, header http.Header, body []byte) (int, map[string]any) {
	d.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		d.t.Fatalf("build request: %v", err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := d.Do(req)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var decoded map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &decoded); err != nil {
			d.t.Errorf("%s %s: body is not a JSON object: %s", method, url, raw)
		}
	}
	return resp.StatusCode, decoded
}
