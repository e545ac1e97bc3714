package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// Rows of the table, in the order.
const (
	rowTherapy = iota
	rowAvatarStatus
	rowVRGet
	rowWSNoDatabase
	rowChatAllSending
	rowChatInFlight
	rowIdle
	rowAvatarStreaming
)

// row is one line of the table, its figures already formatted.
type row struct {
	kind      int
	operation string
	database  string
	server    string
	p50, p99  string
	baseline  string
	bp50      string
	bp99      string
	ratio     string
	target    string
	met       string
}

// report collects the rows and prints them as one Markdown table.
type report struct {
	rows []row
}

func (r *report) add(x row) { r.rows = append(r.rows, x) }

// comparisonRow is a row of the server against its bare baseline.
func comparisonRow(kind int, operation, db, baselineName string, c comparison, target float64) row {
	met := verdict(c.ratio() >= target)
	if errs := c.server.errors + c.baseline.errors; errs > 0 {
		met = fmt.Sprintf("no (%d errors)", errs)
	}
	return row{
		kind: kind, operation: operation, database: db,
		server: fmtRate(c.server.rate) + "/s", p50: fmtDuration(c.server.p50), p99: fmtDuration(c.server.p99),
		baseline: baselineName + " " + fmtRate(c.baseline.rate) + "/s", bp50: fmtDuration(c.baseline.p50), bp99: fmtDuration(c.baseline.p99),
		ratio: fmt.Sprintf("%.3f×", c.ratio()), target: fmt.Sprintf("≥ %g×", target), met: met,
	}
}

func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// criterion is one figure of a target with several.
type criterion struct {
	name string
	met  bool
}

// verdictOf is "yes", or "no:" and the figures that miss their target.
func verdictOf(criteria ...criterion) string {
	var missed []string
	for _, c := range criteria {
		if !c.met {
			missed = append(missed, c.name)
		}
	}
	if len(missed) == 0 {
		return "yes"
	}
	return "no: " + strings.Join(missed, ", ")
}

func (r *report) print(w io.Writer) {
	sort.SliceStable(r.rows, func(i, j int) bool { return r.rows[i].kind < r.rows[j].kind })
	table := [][]string{{"operation", "database", "server", "p50", "p99", "bare baseline", "p50", "p99", "ratio", "target (issue 11)", "met"}}
	for _, x := range r.rows {
		table = append(table, []string{x.operation, x.database, x.server, x.p50, x.p99, x.baseline, x.bp50, x.bp99, x.ratio, x.target, x.met})
	}
	widths := make([]int, len(table[0]))
	for _, cells := range table {
		for i, c := range cells {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", widths[i]-len([]rune(c))) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(table[0])
	rule := make([]string, len(widths))
	for i, n := range widths {
		rule[i] = strings.Repeat("-", n)
	}
	line(rule)
	for _, cells := range table[1:] {
		line(cells)
	}
}

// fmtRate writes a rate with thousands separators and 3 significant digits
// below 100.
func fmtRate(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.3g", v)
	}
	s := fmt.Sprintf("%.0f", math.Round(v))
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

// fmtDuration writes d with 2–3 significant digits in µs, ms or s.
func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

func fmtKiB(bytes float64) string { return fmt.Sprintf("%.1f KiB", bytes/1024) }
