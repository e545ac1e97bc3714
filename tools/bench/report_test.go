package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPaddedJSONHasTheRequestedSize(t *testing.T) {
	for _, size := range []int64{8, 9, 284, 1759} {
		if got := len(paddedJSON(size)); int64(got) != size {
			t.Errorf("paddedJSON(%d) is %d bytes", size, got)
		}
	}
}

func TestMedianKeepsAnObservedValue(t *testing.T) {
	if got := median([]float64{5, 1, 3}); got != 3 {
		t.Errorf("median of 5,1,3 = %v, want 3", got)
	}
	// Even counts take the lower middle value rather than averaging two
	// rounds into a figure no round measured.
	if got := median([]time.Duration{4, 1, 3, 2}); got != 2 {
		t.Errorf("median of 4,1,3,2 = %v, want 2", got)
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{fmtRate(1234567.4), "1,234,567"},
		{fmtRate(999), "999"},
		{fmtRate(12.34), "12.3"},
		{fmtDuration(250 * time.Microsecond), "250 µs"},
		{fmtDuration(6400 * time.Microsecond), "6.40 ms"},
		{fmtDuration(394 * time.Millisecond), "394 ms"},
		{fmtDuration(1300 * time.Millisecond), "1.30 s"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestComparisonRowVerdict(t *testing.T) {
	fast := summary{rate: 4000, p50: time.Millisecond, p99: 5 * time.Millisecond}
	bare := summary{rate: 10000, p50: time.Millisecond, p99: 3 * time.Millisecond}
	if r := comparisonRow(rowTherapy, "op", "SQLite", "Gin", comparison{server: fast, baseline: bare}, 0.35); r.met != "yes" || r.ratio != "0.400×" {
		t.Errorf("0.4× against ≥ 0.35×: met %q, ratio %q", r.met, r.ratio)
	}
	if r := comparisonRow(rowTherapy, "op", "SQLite", "Gin", comparison{server: fast, baseline: bare}, 0.5); r.met != "no" {
		t.Errorf("0.4× against ≥ 0.5×: met %q", r.met)
	}
	failing := fast
	failing.errors = 2
	if r := comparisonRow(rowTherapy, "op", "SQLite", "Gin", comparison{server: failing, baseline: bare}, 0.35); r.met != "no (2 errors)" {
		t.Errorf("a fast server that failed requests: met %q", r.met)
	}
}

func TestReportPrintsOneAlignedTableInTheIssuesOrder(t *testing.T) {
	var r report
	r.add(row{kind: rowIdle, operation: "idle", database: "SQLite", server: "9.0 KiB", target: "≤ 10.0 KiB", met: "yes"})
	r.add(row{kind: rowTherapy, operation: "therapy", database: "SQLite", server: "1/s", ratio: "0.100×", met: "no"})
	var out bytes.Buffer
	r.print(&out)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want header, rule and 2 rows:\n%s", len(lines), out.String())
	}
	if !strings.HasPrefix(lines[2], "| therapy") || !strings.HasPrefix(lines[3], "| idle") {
		t.Errorf("rows out of the issue's order:\n%s", out.String())
	}
	for _, l := range lines[1:] {
		if len([]rune(l)) != len([]rune(lines[0])) {
			t.Errorf("line %q is not as wide as the header", l)
		}
	}
}

func TestVerdictNamesTheMissedFigures(t *testing.T) {
	if got := verdictOf(criterion{"msg/s", true}, criterion{"p99", true}); got != "yes" {
		t.Errorf("all met: %q", got)
	}
	if got := verdictOf(criterion{"CPU", false}, criterion{"RSS", true}, criterion{"p99", false}); got != "no: CPU, p99" {
		t.Errorf("CPU and p99 missed: %q", got)
	}
}

func TestIndentedPrefixesEveryLine(t *testing.T) {
	var out bytes.Buffer
	w := indented(&out)
	_, _ = w.Write([]byte("a\nb"))
	_, _ = w.Write([]byte("c\n"))
	if got := out.String(); got != "  a\n  bc\n" {
		t.Errorf("indented = %q", got)
	}
}
