package analysis_test

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionhub/server/internal/therapy/analysis"
)

// An expectation file (testdata/NAME.expect) says what a reader of
// testdata/NAME.txt sees, one line each ('#' starts a comment):
//
//	emotion NAME [>= MIN]        an emotion NAME is found (with intensity ≥ MIN)
//	no emotion NAME              no emotion NAME is found
//	max emotion intensity X      every emotion found has intensity ≤ X
//	topic NAME [>= MIN]          the topic is found (with confidence ≥ MIN)
//	no topic NAME                the topic is not found
//	insight TYPE "TEXT"          an insight of TYPE whose content contains TEXT (case-insensitive)
//	no insight TYPE "TEXT"       no insight of TYPE contains TEXT
//	no insight TYPE              no insight of TYPE at all
type expectation struct {
	line   int
	negate bool
	kind   string // emotion, topic, insight, max
	name   string // emotion/topic name or insight type
	text   string // insight content fragment
	bound  float64
}

func loadExpectations(t *testing.T, path string) []expectation {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open expectations: %v", err)
	}
	defer f.Close()
	var out []expectation
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e := expectation{line: n}
		if rest, ok := strings.CutPrefix(line, "no "); ok {
			e.negate, line = true, rest
		}
		if rest, ok := strings.CutPrefix(line, "max emotion intensity "); ok {
			e.kind = "max"
			e.bound = mustFloat(t, path, n, rest)
			out = append(out, e)
			continue
		}
		kind, rest, _ := strings.Cut(line, " ")
		e.kind = kind
		if before, quoted, ok := strings.Cut(rest, `"`); ok {
			rest, e.text = before, strings.TrimSuffix(quoted, `"`)
		}
		if name, bound, ok := strings.Cut(rest, ">="); ok {
			rest, e.bound = name, mustFloat(t, path, n, bound)
		}
		e.name = strings.TrimSpace(rest)
		if kind != "emotion" && kind != "topic" && kind != "insight" {
			t.Fatalf("%s:%d: unknown expectation %q", path, n, line)
		}
		out = append(out, e)
	}
	return out
}

func mustFloat(t *testing.T, path string, line int, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		t.Fatalf("%s:%d: bad number %q", path, line, s)
	}
	return v
}

// check reports whether rec satisfies e, and what it expected.
func (e expectation) check(rec *recorder) (bool, string) {
	switch e.kind {
	case "max":
		for _, em := range rec.emotions {
			if em.Intensity > e.bound {
				return false, "every emotion at most " + ftoa(e.bound) + ", but " + em.Name + " is " + ftoa(em.Intensity) + " in " + strconv.Quote(em.Evidence)
			}
		}
		return true, ""
	case "emotion":
		found := slices.ContainsFunc(rec.emotions, func(em analysis.Emotion) bool { return em.Name == e.name && em.Intensity >= e.bound })
		return found != e.negate, describe(e, "emotion "+e.name, "intensity")
	case "topic":
		found := slices.ContainsFunc(rec.topics, func(tp analysis.Topic) bool { return tp.Name == e.name && tp.Confidence >= e.bound })
		return found != e.negate, describe(e, "topic "+e.name, "confidence")
	default:
		found := slices.ContainsFunc(rec.insights, func(in analysis.Insight) bool {
			return string(in.Type) == e.name && strings.Contains(strings.ToLower(in.Content), strings.ToLower(e.text))
		})
		return found != e.negate, describe(e, "insight of type "+e.name+" containing "+strconv.Quote(e.text), "")
	}
}

func describe(e expectation, what, measure string) string {
	if e.negate {
		return "expected NO " + what
	}
	if e.bound > 0 {
		return "expected " + what + " with " + measure + " >= " + ftoa(e.bound)
	}
	return "expected " + what
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

var minTranscripts = 8

// TestTranscriptExpectations runs the built-in analyser on every transcript
// in testdata and checks its expectation file.
func TestTranscriptExpectations(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(paths) < minTranscripts {
		t.Fatalf("want at least 8 transcripts in testdata, found %d (%v)", len(paths), err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			exps := loadExpectations(t, strings.TrimSuffix(path, ".txt")+".expect")
			rec := analyse(t, string(text))
			failed := false
			for _, e := range exps {
				if ok, msg := e.check(rec); !ok {
					failed = true
					t.Errorf("%s.expect:%d: %s", name, e.line, msg)
				}
			}
			if failed {
				t.Logf("found:\n%s", rec.summary())
			}
		})
	}
}
