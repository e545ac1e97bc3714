package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// httpEndpoint is a GET measured in a closed loop over keep-alive
// connections; every reply must be 200 with the body length the first one
// had.
type httpEndpoint struct {
	url      string
	header   http.Header
	bodySize int64
	client   *http.Client
}

func newHTTPEndpoint(url string, header http.Header, clients int) (*httpEndpoint, error) {
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true}
	e := &httpEndpoint{url: url, header: header, client: &http.Client{Transport: transport, Timeout: 30 * time.Second}}
	n, err := e.get()
	if err != nil {
		return nil, err
	}
	e.bodySize = n
	return e, nil
}

// get sends one request and returns the body's length.
func (e *httpEndpoint) get() (int64, error) {
	req, err := http.NewRequest(http.MethodGet, e.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header = e.header
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return n, err
	}
	if resp.StatusCode != http.StatusOK {
		return n, fmt.Errorf("GET %s: HTTP %d", e.url, resp.StatusCode)
	}
	return n, nil
}

// phase runs clients closed loops for d.
func (e *httpEndpoint) phase(clients int) phaseRunner {
	return func(d time.Duration) phaseResult {
		return closedLoop(clients, d, func(int) error {
			n, err := e.get()
			if err == nil && n != e.bodySize {
				err = fmt.Errorf("GET %s: %d bytes, the first reply had %d", e.url, n, e.bodySize)
			}
			return err
		})
	}
}

func (e *httpEndpoint) close() { e.client.CloseIdleConnections() }

// startBareGin serves GET /bare with a fixed JSON body of size bytes from a
// Gin engine without middleware, in this process: the most the framework
// allows on this machine.
func startBareGin(size int64) (url string, stop func(), err error) {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	body := paddedJSON(size)
	engine.GET("/bare", func(c *gin.Context) { c.Data(http.StatusOK, "application/json; charset=utf-8", body) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: engine, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/bare", func() { _ = srv.Close() }, nil
}

// paddedJSON is {"v":"aaa…"} of exactly size bytes (at least its 8 bytes of
// syntax).
func paddedJSON(size int64) []byte {
	const syntax = len(`{"v":""}`)
	return []byte(`{"v":"` + strings.Repeat("a", max(0, int(size)-syntax)) + `"}`)
}
