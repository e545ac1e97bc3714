package contracttests

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gopkg.in/yaml.v3"
)

// mdTable is a GitHub-flavoured Markdown table found in a spec description,
// reduced to what its rendering must show: the cells' words.
type mdTable struct {
	where  string     // the description's place in the spec, e.g. info.description
	header []string   // normalized header cells
	rows   [][]string // normalized body cells
}

// key identifies a table by its header and body, so the tables of a spec can
// be matched against the tables a page shows.
func (t mdTable) key() string {
	var b strings.Builder
	b.WriteString(strings.Join(t.header, "|"))
	for _, row := range t.rows {
		b.WriteString("\n" + strings.Join(row, "|"))
	}
	return b.String()
}

var (
	mdDelimiterRow = regexp.MustCompile(`^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$`)
	mdLink         = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	notAlnum       = regexp.MustCompile(`[^\p{L}\p{N}]+`)
	// A delimiter row that reached the page as text.
	rawTableText = regexp.MustCompile(`\|\s*:?-{3,}:?\s*\|`)
)

// normalizeCell keeps a cell's words (letters and digits, lower case): the
// Markdown source and its rendering agree on them whatever the markup.
func normalizeCell(s string) string {
	s = mdLink.ReplaceAllString(s, "$1")
	return strings.Trim(notAlnum.ReplaceAllString(strings.ToLower(s), " "), " ")
}

// splitRow splits a table row into cells, honouring escaped pipes.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	if strings.HasSuffix(line, "|") && !strings.HasSuffix(line, `\|`) {
		line = strings.TrimSuffix(line, "|")
	}
	var cells []string
	var cell strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cell.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, normalizeCell(cell.String()))
			cell.Reset()
		default:
			cell.WriteByte(line[i])
		}
	}
	return append(cells, normalizeCell(cell.String()))
}

// markdownTables finds the tables of one description: a header row, a
// delimiter row, then body rows up to the first line that is not a row.
func markdownTables(where, text string) []mdTable {
	lines := strings.Split(strings.ReplaceAll(text, "\r", ""), "\n")
	var tables []mdTable
	inFence := false
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			continue
		}
		if inFence || !strings.Contains(line, "|") || i+1 >= len(lines) ||
			!mdDelimiterRow.MatchString(strings.TrimSpace(lines[i+1])) {
			continue
		}
		t := mdTable{where: where, header: splitRow(line)}
		i += 2
		for ; i < len(lines); i++ {
			row := strings.TrimSpace(lines[i])
			if row == "" || !strings.Contains(row, "|") {
				break
			}
			t.rows = append(t.rows, splitRow(row))
		}
		tables = append(tables, t)
	}
	return tables
}

// specDescriptionTables walks a spec document and returns the tables of every
// `description` in it.
func specDescriptionTables(t *testing.T, spec []byte) []mdTable {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		t.Fatalf("parse spec: %v", err)
	}
	var tables []mdTable
	var walk func(node any, path string)
	walk = func(node any, path string) {
		switch n := node.(type) {
		case map[string]any:
			for k, v := range n {
				if text, ok := v.(string); ok && k == "description" {
					tables = append(tables, markdownTables(strings.TrimPrefix(path+".description", "."), text)...)
				}
				walk(v, path+"."+k)
			}
		case []any:
			for i, v := range n {
				walk(v, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(doc, "")
	return tables
}

// pageTables is what a page shows of its tables, and its text outside code.
type pageTables struct {
	Tables []struct {
		Header  []string   `json:"header"`
		Rows    [][]string `json:"rows"`
		Visible bool       `json:"visible"`
	} `json:"tables"`
	Text string `json:"text"` // the page's text without <pre> and <code>
}

const pageTablesJS = `(() => {
	const cells = row => [...row.cells].map(c => c.innerText);
	const tables = [...document.querySelectorAll('table')].map(t => {
		const rows = [...t.rows]; // this table's rows, not those of tables nested in its cells
		const head = t.tHead ? t.tHead.rows[0] : rows[0];
		return {
			header: head ? cells(head) : [],
			rows: rows.filter(r => r !== head).map(cells),
			visible: t.getClientRects().length > 0 && t.offsetHeight > 0,
		};
	});
	const body = document.body.cloneNode(true);
	body.querySelectorAll('pre, code').forEach(e => e.remove());
	return {tables, text: body.textContent};
})()`

// checkDescriptionTables requires every table of every description of the
// spec to be shown by the page in the tab as a visible <table> with the same
// header and rows, and no table to be left on the page as Markdown text.
func (b *docsBrowser) checkDescriptionTables(t *testing.T, page docLink, spec []byte) {
	t.Helper()
	want := specDescriptionTables(t, spec)
	view := inTab(t, b, "read the tables of "+page.Path, chromedp.Evaluate[pageTables](pageTablesJS))
	shown := map[string]int{}
	for _, table := range view.Tables {
		if !table.Visible {
			continue
		}
		rendered := mdTable{}
		for _, h := range table.Header {
			rendered.header = append(rendered.header, normalizeCell(h))
		}
		for _, row := range table.Rows {
			var cells []string
			for _, c := range row {
				cells = append(cells, normalizeCell(c))
			}
			rendered.rows = append(rendered.rows, cells)
		}
		shown[rendered.key()]++
	}
	for _, table := range want {
		if shown[table.key()] == 0 {
			t.Errorf("%s: the table in %s (columns %q, %d rows) is not shown as a <table>",
				page.Path, table.where, table.header, len(table.rows))
			continue
		}
		shown[table.key()]--
	}
	if raw := rawTableText.FindAllString(view.Text, 3); len(raw) > 0 {
		t.Errorf("%s shows Markdown table syntax as text (outside code): %q", page.Path, raw)
	}
	places := make([]string, 0, len(want))
	for _, table := range want {
		places = append(places, table.where)
	}
	t.Logf("%s: %d description table(s) checked (%s)", page.Path, len(want), strings.Join(slices.Compact(places), ", "))
}

// specBytes GETs a spec document from the server.
func specBytes(t *testing.T, specURL string) []byte {
	t.Helper()
	status, body := get(t, specURL)
	if status != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d", specURL, status)
	}
	return body
}

// TestMarkdownTablesAreFound checks the table finder the docs test relies on:
// if it found nothing, the docs test would pass on any page.
func TestMarkdownTablesAreFound(t *testing.T) {
	t.Parallel()
	text := "Intro | not a table\n\n| code | when |\n| --- | :---: |\n| `A_B` | a \\| b |\n| [C](#c) | **d** |\nafter\n\n" +
		"```\n| x | y |\n| --- | --- |\n```\n\n|a|b|\n|---|---|\n|1|2|"
	got := markdownTables("d", text)
	want := []mdTable{
		{where: "d", header: []string{"code", "when"}, rows: [][]string{{"a b", "a b"}, {"c", "d"}}},
		{where: "d", header: []string{"a", "b"}, rows: [][]string{{"1", "2"}}},
	}
	if len(got) != len(want) {
		t.Fatalf("found %d tables %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].key() != want[i].key() {
			t.Errorf("table %d = %q, want %q", i, got[i].key(), want[i].key())
		}
	}
}
