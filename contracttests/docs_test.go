package contracttests

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"gopkg.in/yaml.v3"
)

const (
	defaultChromiumBin = "/usr/bin/chromium"
	// browserBudget bounds the whole browser session; stepTimeout one wait.
	browserBudget = 90 * time.Second
	stepTimeout   = 30 * time.Second
)

// The documentation pages /docs must link to.
var (
	wantSwaggerPages = []string{"/docs/openapi/avatar/", "/docs/openapi/therapy/"}
	wantAsyncPages   = []string{
		"/docs/asyncapi/avatarstream.html", "/docs/asyncapi/decisions.html", "/docs/asyncapi/petchat.html",
		"/docs/asyncapi/therapyevents.html", "/docs/asyncapi/vrtraining.html",
	}
)

// TestDocsRenderOffline opens the API documentation in headless Chromium and
// proves that every page renders from the server alone: no request of any page
// (scripts, styles, fonts, images, fetches) leaves the server's origin.
func TestDocsRenderOffline(t *testing.T) {
	bin := chromiumBinary(t)
	ts := newServer(t)
	b := startBrowser(t, bin, ts.baseURL)
	shots := screenshotDir(t)

	b.open(t, "/docs")
	index := b.checkIndex(t)
	b.screenshot(t, filepath.Join(shots, "docs-index.png"))
	b.checkRequests(t)

	for i, page := range index.pages(wantSwaggerPages) {
		b.checkSwaggerUI(t, page)
		if i == 0 {
			b.screenshot(t, filepath.Join(shots, "docs-swagger-"+path2name(page.Path)+".png"))
		}
		b.checkRequests(t)
	}
	for _, page := range index.pages(wantAsyncPages) {
		b.checkAsyncAPIPage(t, page)
		b.checkRequests(t)
	}
	// Requests a page starts after its checks (lazy images, late fetches)
	// show up once the tab has moved on.
	b.leave(t)
	b.checkRequests(t)
}

// chromiumBinary is CHROMIUM_BIN (default /usr/bin/chromium); the test fails,
// never skips, when it is missing.
func chromiumBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("CHROMIUM_BIN")
	if bin == "" {
		bin = defaultChromiumBin
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		t.Fatalf("TestDocsRenderOffline needs headless Chromium, and there is none at %q (CHROMIUM_BIN): %v\n"+
			"Install it with tools/testenv/chromium.sh (`make contract` runs it), or set CHROMIUM_BIN to a Chromium binary.",
			bin, err)
	}
	return path
}

// screenshotDir is CONTRACT_SCREENSHOT_DIR when set (to keep the images),
// else a directory removed after the test.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("CONTRACT_SCREENSHOT_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	return dir
}

func path2name(p string) string {
	return strings.Trim(strings.NewReplacer("/docs/", "", "/", "-").Replace(p), "-")
}

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

// open navigates the tab to path on the server and waits for the page's load event.
func (b *docsBrowser) open(t *testing.T, path string) {
	t.Helper()
	resp := inTab(t, b, "open "+path, chromedp.NavigateResponse(b.origin+path))
	if resp.Status != http.StatusOK {
		t.Fatalf("open %s: HTTP %d, want 200", path, resp.Status)
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

// indexPage is what /docs shows and links to.
type indexPage struct {
	APIs  []string  `json:"apis"`  // the API headings
	Links []string  `json:"links"` // every href, resolved
	Refs  []docLink `json:"refs"`  // each documentation page with its spec
}

type docLink struct {
	Path string `json:"page"` // /docs/...
	Spec string `json:"spec"` // /specs/<file>
}

// pages returns the index's entries for the paths in want, in want's order.
func (p indexPage) pages(want []string) []docLink {
	var out []docLink
	for _, w := range want {
		for _, r := range p.Refs {
			if r.Path == w {
				out = append(out, r)
			}
		}
	}
	return out
}

const indexJS = `(() => ({
	apis: [...document.querySelectorAll('section h2')].map(h => h.textContent.trim()),
	links: [...document.querySelectorAll('a[href]')].map(a => a.href),
	refs: [...document.querySelectorAll('li')].map(li => ({
		page: li.querySelector('a[href^="/docs/"]')?.getAttribute('href') ?? '',
		spec: li.querySelector('a[href^="/specs/"]')?.getAttribute('href') ?? '',
	})).filter(r => r.page !== ''),
}))()`

// checkIndex reads /docs (shown in the tab), checks that it lists the five
// APIs and their pages, and follows every link with a plain GET.
func (b *docsBrowser) checkIndex(t *testing.T) indexPage {
	t.Helper()
	idx := inTab(t, b, "read /docs", chromedp.Evaluate[indexPage](indexJS))
	if len(idx.APIs) != 5 {
		t.Errorf("/docs lists %d APIs %q, want 5", len(idx.APIs), idx.APIs)
	}
	var pages []string
	for _, r := range idx.Refs {
		pages = append(pages, r.Path)
		if !strings.HasPrefix(r.Spec, "/specs/") {
			t.Errorf("/docs: %s has no /specs/ link beside it", r.Path)
		}
	}
	slices.Sort(pages)
	want := slices.Concat(wantSwaggerPages, wantAsyncPages)
	slices.Sort(want)
	if !slices.Equal(pages, want) {
		t.Errorf("/docs links to the documentation pages\n  %q\nwant\n  %q", pages, want)
	}
	seen := map[string]bool{}
	for _, link := range idx.Links {
		if seen[link] {
			continue
		}
		seen[link] = true
		if !b.local(link) {
			t.Errorf("/docs links off-site: %s", link)
			continue
		}
		if status, _ := get(t, link); status != http.StatusOK {
			t.Errorf("/docs link %s: HTTP %d, want 200", link, status)
		}
	}
	t.Logf("/docs: %d APIs, %d distinct links, all followed", len(idx.APIs), len(seen))
	return idx
}

// swaggerView is what a Swagger UI page shows once it has rendered the spec.
type swaggerView struct {
	Title      string   `json:"title"`
	Operations []string `json:"operations"` // "METHOD /path", once per tag it is listed under
	Errors     []string `json:"errors"`
}

const swaggerJS = `(() => ({
	title: document.querySelector('.information-container .title')?.innerText ?? '',
	operations: [...document.querySelectorAll('.opblock')].map(o =>
		(o.querySelector('.opblock-summary-method')?.textContent ?? '?') + ' ' +
		(o.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '?')),
	errors: [...document.querySelectorAll('.errors-wrapper')].map(e => e.innerText),
}))()`

// checkSwaggerUI opens a Swagger UI page and waits until it shows the spec's
// title and every operation.
func (b *docsBrowser) checkSwaggerUI(t *testing.T, page docLink) {
	t.Helper()
	var spec struct {
		Info  struct{ Title string }
		Paths map[string]map[string]any
	}
	fetchSpec(t, b.origin+page.Spec, &spec)
	var want []string
	for p, item := range spec.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
				want = append(want, strings.ToUpper(method)+" "+p)
			}
		}
	}
	slices.Sort(want)

	start := time.Now()
	b.open(t, page.Path)
	inTab(t, b, page.Path+": wait for Swagger UI to render the operations (.opblock)",
		chromedp.WaitVisible(chromedp.CSS(".opblock")))
	view := inTab(t, b, "read "+page.Path, chromedp.Evaluate[swaggerView](swaggerJS))
	if !strings.Contains(view.Title, spec.Info.Title) {
		t.Errorf("%s: title %q, want the spec's info.title %q", page.Path, view.Title, spec.Info.Title)
	}
	got := slices.Compact(slices.Sorted(slices.Values(view.Operations)))
	if !slices.Equal(got, want) {
		t.Errorf("%s shows the operations\n  %q\nwant (%s)\n  %q", page.Path, got, page.Spec, want)
	}
	if len(view.Errors) > 0 {
		t.Errorf("%s: Swagger UI reports errors: %q", page.Path, view.Errors)
	}
	t.Logf("%s: %q, %d operations, rendered in %s", page.Path, spec.Info.Title, len(got),
		time.Since(start).Round(time.Millisecond))
}

type asyncAPIView struct {
	H1       string   `json:"h1"`
	Headings []string `json:"headings"`
}

const asyncAPIJS = `(() => ({
	h1: document.querySelector('h1')?.innerText.trim() ?? '',
	headings: [...document.querySelectorAll('h2, h3, h4')].map(h => h.innerText.trim()),
}))()`

// checkAsyncAPIPage opens a static AsyncAPI page and checks its title and
// that every channel of the spec has a heading.
func (b *docsBrowser) checkAsyncAPIPage(t *testing.T, page docLink) {
	t.Helper()
	var spec struct {
		Info     struct{ Title string }
		Channels map[string]any
	}
	fetchSpec(t, b.origin+page.Spec, &spec)
	b.open(t, page.Path)
	view := inTab(t, b, "read "+page.Path, chromedp.Evaluate[asyncAPIView](asyncAPIJS))
	if view.H1 != spec.Info.Title {
		t.Errorf("%s: h1 %q, want the spec's info.title %q", page.Path, view.H1, spec.Info.Title)
	}
	if len(spec.Channels) == 0 {
		t.Errorf("%s has no channels", page.Spec)
	}
	for channel := range spec.Channels {
		if !slices.ContainsFunc(view.Headings, func(h string) bool { return strings.Contains(h, channel) }) {
			t.Errorf("%s: no heading shows the channel %s (headings: %q)", page.Path, channel, view.Headings)
		}
	}
	t.Logf("%s: %q, channels %v", page.Path, view.H1, slices.Sorted(maps.Keys(spec.Channels)))
}

// fetchSpec GETs a spec from the server and decodes its YAML into v.
func fetchSpec(t *testing.T, specURL string, v any) {
	t.Helper()
	status, body := get(t, specURL)
	if status != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d", specURL, status)
	}
	if err := yaml.Unmarshal(body, v); err != nil {
		t.Fatalf("%s: %v", specURL, err)
	}
}

func get(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Errorf("GET %s: %v", u, err)
		return 0, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("GET %s: %v", u, err)
	}
	return resp.StatusCode, body
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
