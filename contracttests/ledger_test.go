package contracttests

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// coverageLedger records which documented items the suite checked. Every
// item comes from the specs: (operation, status) of each documented response,
// one item per error code its body's schema allows instead of the bare
// status; each WebSocket message in each direction; each error code a
// channel's error message allows; each close code with each documented
// reason; each refused-upgrade status. An item counts only once a reply that
// matches the spec was received: a client message only when the reply (or
// error) that answers that very send arrived (see frameTracker).
type coverageLedger struct {
	mu    sync.Mutex
	specs []*ledgerSpec
	byKey map[string]*ledgerSpec
}

type ledgerSpec struct {
	file     string
	required bool // the suite fails unless every counted item was exercised
	expected []string
	seen     map[string]bool
	exempt   map[string]string // item → where it is verified instead (not counted)
}

var ledger = &coverageLedger{byKey: map[string]*ledgerSpec{}}

// register declares a spec and everything it documents.
func (l *coverageLedger) register(file string, required bool, items []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sort.Strings(items)
	s := &ledgerSpec{file: file, required: required, expected: items, seen: map[string]bool{}, exempt: map[string]string{}}
	for _, item := range items {
		if reason, ok := exemptItem(item); ok {
			s.exempt[item] = "verified elsewhere: " + reason
		}
	}
	l.specs = append(l.specs, s)
	l.byKey[file] = s
}

// hit records one exercised item; it reports false for an item the spec
// does not document, so callers can fail the test that produced it.
func (l *coverageLedger) hit(file, item string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.byKey[file]
	if !ok {
		return false
	}
	i := sort.SearchStrings(s.expected, item)
	if i == len(s.expected) || s.expected[i] != item {
		return false
	}
	s.seen[item] = true
	return true
}

// report prints coverage per spec and whether every required spec is at
// 100%. Items verified elsewhere (or, against a remote server, items that
// need a server of the suite's own) are listed but left out of the
// percentage. With -run narrowing the suite, coverage is printed but not
// enforced.
func (l *coverageLedger) report(w io.Writer) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	enforce := true
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		enforce = false
	}
	ok := true
	fmt.Fprintf(w, "ledger: contract coverage per spec (documented items checked against %s)\n", remote.target())
	for _, s := range l.specs {
		if remote.enabled() { // known only now: the specs registered before TestMain ran
			for _, e := range s.expected {
				if reason, ok := suiteServerItem(e); ok && s.exempt[e] == "" && !s.seen[e] { // checked anyway: it counts
					s.exempt[e] = "needs a server of the suite's own: " + reason
				}
			}
		}
		var missing, exempt []string
		counted := 0
		for _, e := range s.expected {
			switch {
			case s.exempt[e] != "":
				exempt = append(exempt, e)
			case !s.seen[e]:
				missing = append(missing, e)
				counted++
			default:
				counted++
			}
		}
		covered := counted - len(missing)
		pct := 100.0
		if counted > 0 {
			pct = 100 * float64(covered) / float64(counted)
		}
		gate := "reported"
		if s.required {
			gate = "required 100%"
		}
		if len(exempt) > 0 {
			gate += fmt.Sprintf("; %d not counted", len(exempt))
		}
		fmt.Fprintf(w, "ledger: %-30s %3d/%-3d %6.1f%%  (%s)\n", s.file, covered, counted, pct, gate)
		for _, m := range missing {
			fmt.Fprintf(w, "ledger:     not exercised: %s\n", m)
		}
		for _, e := range exempt {
			seen := ""
			if s.seen[e] {
				seen = " [exercised too]"
			}
			fmt.Fprintf(w, "ledger:     %s (%s)%s\n", e, s.exempt[e], seen)
		}
		if s.required && len(missing) > 0 && enforce {
			ok = false
		}
	}
	if !ok {
		fmt.Fprintln(w, "ledger: FAIL: a spec that must be fully covered is not")
	}
	return ok
}

// exemptItem names the few documented items that no request through the
// API can provoke, and where they are verified instead.
func exemptItem(item string) (string, bool) {
	if strings.Contains(item, " close 1011 ") {
		return "sent only when a handler panics; internal/platform/wsconn tests cover it", true
	}
	if panicOnlyUpgrade500[item] {
		return "sent only when the upgrade handler panics (it reads no database); the API's TestRefusedUpgradesHaveTheDocumentedBody/panic_before_the_upgrade covers it", true
	}
	return "", false
}

// panicOnlyUpgrade500 are the 500 refusals of channels whose upgrade does
// nothing that can fail, so only a panic produces them.
var panicOnlyUpgrade500 = map[string]bool{
	upgradeItem("/ws/sessions", 500): true,
	upgradeItem("/ws/", 500):         true,
	upgradeItem("/ws", 500):          true,
}

func restItem(operationID string, status int) string {
	return fmt.Sprintf("%s %d", operationID, status)
}

func restCodeItem(operationID string, status int, code string) string {
	return fmt.Sprintf("%s %d %s", operationID, status, code)
}

func messageItem(channel, direction, name string) string {
	return fmt.Sprintf("%s %s→ %s", channel, direction, name)
}

func errorCodeItem(channel, message, code string) string {
	return fmt.Sprintf("%s %s code %s", channel, message, code)
}

func closeItem(channel string, code int, reason string) string {
	shown := "(no reason)"
	if reason != "" {
		shown = strconv.Quote(reason)
	}
	return fmt.Sprintf("%s close %d %s", channel, code, shown)
}

func upgradeItem(channel string, status int) string {
	return fmt.Sprintf("%s upgrade %d", channel, status)
}

func joinLines(lines []string) string { return strings.Join(lines, "\n") }
