package contracttests

import (
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
	t.Parallel()
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
			b.screenshot(t, filepath.Join(shots, "swagger-"+path.Base(page.Path)+".png"))
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
	found, err := exec.LookPath(bin)
	if err != nil {
		t.Fatalf("TestDocsRenderOffline needs headless Chromium, and there is none at %q (CHROMIUM_BIN): %v\n"+
			"Install it with tools/testenv/chromium.sh (`make contract` runs it), or set CHROMIUM_BIN to a Chromium binary.",
			bin, err)
	}
	return found
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
	b.checkDescriptionTables(t, page, specBytes(t, b.origin+page.Spec))
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
