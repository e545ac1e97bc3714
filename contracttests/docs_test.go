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

	index := b.open(t, "/docs")
	b.checkIndex(t, index)
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
	b.open(t, "about:blank")
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
		if t.Failed() && output.Len() > 0 {
			t.Logf("chromium output:\n%s", output.String())
		}
		if hits := trap.hits(); len(hits) > 0 {
			t.Errorf("the browser tried to reach hosts other than the server (through the proxy trap):\n  %s",
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
		if ev.Response.Status >= 400 {
			b.broken = append(b.broken, fmt.Sprintf("%s: HTTP %d", ev.Response.URL, ev.Response.Status))
		}
	case *network.EventLoadingFailed:
		if !ev.Canceled {
			b.broken = append(b.broken, fmt.Sprintf("%s: %s %s", b.urls[ev.RequestID], ev.ErrorText, ev.BlockedReason))
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
	b.offsite, b.broken, b.exceptions = nil, nil, nil
}

// open navigates to path (on the server, or about:blank) and waits for its load event.
func (b *docsBrowser) open(t *testing.T, path string) indexPage {
	t.Helper()
	target := path
	if !strings.Contains(path, ":") {
		target = b.origin + path
	}
	ctx, cancel := context.WithTimeout(b.tab, stepTimeout)
	defer cancel()
	resp, err := chromedp.NavigateResponse(target)(ctx, chromedp.FromContext(ctx).Target)
	if err != nil {
		t.Fatalf("open %s: %v", target, err)
	}
	if resp != nil && resp.Status != http.StatusOK {
		t.Fatalf("open %s: HTTP %d, want 200", target, resp.Status)
	}
	return indexPage{}
}

// run runs one action with its own timeout and fails the test, naming what, on error.
func run[T any](t *testing.T, b *docsBrowser, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.tab, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// indexPage is what /docs links to.
type indexPage struct {
	APIs  []string  `json:"apis"`  // the section headings
	Links []string  `json:"links"` // every href, resolved
	Refs  []docLink `json:"refs"`  // each documentation page with its spec
}

type docLink struct {
	Path string `json:"page"` // /docs/...
	Spec string `json:"spec"` // /specs/<file>
}

// pages returns the index's entries for want, in want's order.
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

// checkIndex reads /docs (open already), checks its five APIs and follows every link.
func (b *docsBrowser) checkIndex(t *testing.T, _ indexPage) indexPage {
	t.Helper()
	idx := run(t, b, "read /docs", chromedp.Evaluate[indexPage](indexJS))
	if len(idx.APIs) != 5 {
		t.Errorf("/docs lists %d APIs %q, want 5", len(idx.APIs), idx.APIs)
	}
	var pages []string
	for _, r := range idx.Refs {
		pages = append(pages, r.Path)
		if !strings.HasPrefix(r.Spec, "/specs/") {
			t.Errorf("/docs: %s has no /specs/ link next to it", r.Path)
		}
	}
	slices.Sort(pages)
	want := slices.Sorted(slices.Values(append(slices.Clone(wantSwaggerPages), wantAsyncPages...)))
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
		resp, err := http.Get(link)
		if err != nil {
			t.Errorf("/docs link %s: %v", link, err)
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/docs link %s: HTTP %d, want 200", link, resp.StatusCode)
		}
	}
	t.Logf("/docs: %d APIs, %d links, all 200", len(idx.APIs), len(seen))
	return idx
}
