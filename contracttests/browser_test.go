package contracttests

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// docsBrowser is one headless Chromium tab that records every request the
// pages it shows make.
type docsBrowser struct {
	tab    context.Context
	origin string // scheme://host:port of the server under test

	mu         sync.Mutex
	urls       map[network.RequestID]string
	offsite    []string // requests that left the server's origin
	broken     []string // requests to the server that failed or got >= 400
	exceptions []string // uncaught JavaScript exceptions

	faviconProbes int // 404s of Chromium's own /favicon.ico requests
}

func startBrowser(t *testing.T, bin, baseURL string) *docsBrowser {
	t.Helper()
	b := &docsBrowser{origin: baseURL, urls: map[network.RequestID]string{}}
	trap := startProxyTrap(t)
	var output lockedBuffer
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// Belt and braces: whatever does try to leave loopback reaches the trap,
		// never the network (loopback itself bypasses proxies in Chromium).
		chromedp.ProxyServer("http://"+trap.addr),
		chromedp.CombinedOutput(&output),
	)
	// The budget ends the browser itself, so nothing outlives a hung page.
	budget, cancelBudget := context.WithTimeout(allocCtx, browserBudget)
	tab, cancelTab := chromedp.NewContext(budget, chromedp.WithListener(b.record))
	t.Cleanup(func() {
		cancelTab()
		cancelBudget()
		cancelAlloc()
		if out := output.String(); t.Failed() && out != "" {
			t.Logf("chromium output:\n%s", out)
		}
		// The pages' requests are checked from the tab's network events. The
		// trap also sees Chromium's background services (network time,
		// component updates, accounts), which no flag silences completely.
		if hits := trap.hits(); len(hits) > 0 {
			t.Logf("the proxy trap refused these requests, so none left the machine:\n  %s",
				strings.Join(hits, "\n  "))
		}
	})
	start := time.Now()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start %s: %v\n%s", bin, err, output.String())
	}
	t.Logf("chromium %s started in %s", bin, time.Since(start).Round(time.Millisecond))
	b.tab = tab
	return b
}

// record runs in the tab's event loop: it must return fast and send no command.
func (b *docsBrowser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		u := ev.Request.URL
		b.urls[ev.RequestID] = u
		if !b.local(u) {
			b.offsite = append(b.offsite, fmt.Sprintf("%s %s (%s, for %s)", ev.Request.Method, u, ev.Type, ev.DocumentURL))
		}
	case *network.EventResponseReceived:
		switch u, status := ev.Response.URL, ev.Response.Status; {
		case !b.local(u): // reported as off-site already
		case status == http.StatusNotFound && b.isFaviconProbe(u):
			b.faviconProbes++
		case status >= 400:
			b.broken = append(b.broken, fmt.Sprintf("%s: HTTP %d", u, status))
		}
	case *network.EventLoadingFailed:
		if u := b.urls[ev.RequestID]; !ev.Canceled && b.local(u) {
			b.broken = append(b.broken, strings.TrimSpace(fmt.Sprintf("%s: %s %s", u, ev.ErrorText, ev.BlockedReason)))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		b.exceptions = append(b.exceptions, fmt.Sprintf("%s:%d: %s", d.URL, d.LineNumber+1, text))
	}
}

// isFaviconProbe reports whether u is the /favicon.ico that Chromium asks
// every origin for by itself when a page declares no icon; no page refers to it.
func (b *docsBrowser) isFaviconProbe(u string) bool {
	return u == b.origin+"/favicon.ico"
}

// local reports whether a request URL stays on the server (or needs no network).
func (b *docsBrowser) local(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "data", "blob", "about":
		return true
	}
	return u.Scheme+"://"+u.Host == b.origin
}

// checkRequests reports what the pages shown so far requested off-site, what
// failed, and uncaught exceptions; then starts afresh.
func (b *docsBrowser) checkRequests(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.offsite) > 0 {
		t.Errorf("pages loaded %d resource(s) from outside the server %s:\n  %s",
			len(b.offsite), b.origin, strings.Join(b.offsite, "\n  "))
	}
	if len(b.broken) > 0 {
		t.Errorf("requests to the server failed:\n  %s", strings.Join(b.broken, "\n  "))
	}
	if len(b.exceptions) > 0 {
		t.Errorf("uncaught JavaScript exceptions:\n  %s", strings.Join(b.exceptions, "\n  "))
	}
	if b.faviconProbes > 0 {
		t.Logf("note: Chromium's own request for %s/favicon.ico got 404 (no page refers to it)", b.origin)
	}
	b.offsite, b.broken, b.exceptions, b.faviconProbes = nil, nil, nil, 0
}

// open navigates the tab to route on the server and waits for the page's load event.
func (b *docsBrowser) open(t *testing.T, route string) {
	t.Helper()
	resp := inTab(t, b, "open "+route, chromedp.NavigateResponse(b.origin+route))
	if resp.Status != http.StatusOK {
		t.Fatalf("open %s: HTTP %d, want 200", route, resp.Status)
	}
}

// leave navigates to about:blank, so requests the last page started late are recorded.
func (b *docsBrowser) leave(t *testing.T) {
	t.Helper()
	inTab(t, b, "open about:blank", chromedp.Navigate("about:blank"))
}

// inTab runs one action in the tab with its own timeout and fails the test,
// saying what it was doing, on error.
func inTab[T any](t *testing.T, b *docsBrowser, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.tab, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// screenshot saves a full-page PNG of what the tab shows.
func (b *docsBrowser) screenshot(t *testing.T, file string) {
	t.Helper()
	buf := inTab(t, b, "screenshot", chromedp.FullScreenshot(100))
	cfg, err := png.DecodeConfig(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot %s: not a PNG: %v", file, err)
	}
	if cfg.Width < 800 || cfg.Height < 400 {
		t.Errorf("screenshot %s is %dx%d, want at least 800x400", file, cfg.Width, cfg.Height)
	}
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	t.Logf("screenshot %s (%dx%d)", file, cfg.Width, cfg.Height)
}

// proxyTrap is the browser's HTTP proxy. Chromium sends loopback requests
// directly, so the trap sees only requests that would have left the machine;
// it refuses them and remembers their request line.
type proxyTrap struct {
	addr string
	mu   sync.Mutex
	seen []string
}

func startProxyTrap(t *testing.T) *proxyTrap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy trap: %v", err)
	}
	p := &proxyTrap{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.refuse(c)
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	return p
}

func (p *proxyTrap) refuse(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	p.mu.Lock()
	p.seen = append(p.seen, strings.TrimSpace(line))
	p.mu.Unlock()
	_, _ = io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
}

func (p *proxyTrap) hits() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

// lockedBuffer collects the browser's output, written from another goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
