package contracttests

import (
	"flag"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// coverageLedger records which documented (operation, status), (channel,
// message), close-code and upgrade-refusal items the suite exercised.
type coverageLedger struct {
	mu    sync.Mutex
	specs []*ledgerSpec
	byKey map[string]*ledgerSpec
}

type ledgerSpec struct {
	file     string
	required bool // the suite fails unless every item was exercised
	expected []string
	seen     map[string]bool
	exempt   map[string]string // item → where it is verified instead
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
			s.exempt[item] = reason
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
	s.seen[item] = true
	for _, e := range s.expected {
		if e == item {
			return true
		}
	}
	return false
}

// report prints coverage per spec and whether every required spec is at
// 100%. With -run narrowing the suite, coverage is printed but not enforced.
func (l *coverageLedger) report(w io.Writer) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	enforce := true
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		enforce = false
	}
	ok := true
	fmt.Fprintln(w, "ledger: contract coverage per spec (documented items exercised against PostgreSQL)")
	for _, s := range l.specs {
		var missing []string
		for _, e := range s.expected {
			if !s.seen[e] && s.exempt[e] == "" {
				missing = append(missing, e)
			}
		}
		covered := len(s.expected) - len(missing)
		pct := 100.0
		if len(s.expected) > 0 {
			pct = 100 * float64(covered) / float64(len(s.expected))
		}
		gate := "reported"
		if s.required {
			gate = "required 100%"
		}
		fmt.Fprintf(w, "ledger: %-30s %3d/%-3d %6.1f%%  (%s)\n", s.file, covered, len(s.expected), pct, gate)
		for _, m := range missing {
			fmt.Fprintf(w, "ledger:     not exercised: %s\n", m)
		}
		for _, e := range s.expected {
			if reason := s.exempt[e]; reason != "" && !s.seen[e] {
				fmt.Fprintf(w, "ledger:     verified elsewhere: %s (%s)\n", e, reason)
			}
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
	if strings.HasSuffix(item, " close 1011") {
		return "sent only when a handler panics; internal/platform/wsconn tests cover it", true
	}
	if panicOnlyUpgrade500[item] {
		return "sent only when the upgrade handler panics (it reads no database); the API's TestPanicBeforeTheUpgradeIsThisAPIs500 covers it", true
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

func messageItem(channel, direction, name string) string {
	return fmt.Sprintf("%s %s→ %s", channel, direction, name)
}

func closeItem(channel string, code int) string { return fmt.Sprintf("%s close %d", channel, code) }

func upgradeItem(channel string, status int) string {
	return fmt.Sprintf("%s upgrade %d", channel, status)
}

// restItems lists every (operation, documented status) of an OpenAPI doc.
func restItems(doc *openapi3.T) []string {
	var items []string
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Find(path).Operations() {
			for code := range op.Responses.Map() {
				var status int
				if _, err := fmt.Sscanf(code, "%d", &status); err == nil {
					items = append(items, restItem(op.OperationID, status))
				}
			}
		}
	}
	return items
}

// wsItems lists every message, close code and upgrade refusal of a
// generated AsyncAPI package. Each package declares its own MessageInfo and
// ChannelInfo types with the same fields, so they are read by name.
func wsItems(messages, channels any) []string {
	var items []string
	ms := reflect.ValueOf(messages)
	for i := 0; i < ms.Len(); i++ {
		m := ms.Index(i)
		items = append(items, messageItem(m.FieldByName("Channel").String(), m.FieldByName("Direction").String(), m.FieldByName("Name").String()))
	}
	cs := reflect.ValueOf(channels)
	for i := 0; i < cs.Len(); i++ {
		c := cs.Index(i)
		path := c.FieldByName("Path").String()
		for _, k := range c.FieldByName("CloseCodes").MapKeys() {
			items = append(items, closeItem(path, int(k.Int())))
		}
		for _, k := range c.FieldByName("UpgradeResponses").MapKeys() {
			items = append(items, upgradeItem(path, int(k.Int())))
		}
	}
	return items
}

// channelPaths lists the paths of a generated package's Channels.
func channelPaths(channels any) []string {
	var out []string
	cs := reflect.ValueOf(channels)
	for i := 0; i < cs.Len(); i++ {
		out = append(out, cs.Index(i).FieldByName("Path").String())
	}
	return out
}

// channelMessages returns the names of a channel's messages in one direction.
func channelMessages(messages any, channel, direction string) []string {
	var names []string
	ms := reflect.ValueOf(messages)
	for i := 0; i < ms.Len(); i++ {
		m := ms.Index(i)
		if m.FieldByName("Channel").String() == channel && m.FieldByName("Direction").String() == direction {
			names = append(names, m.FieldByName("Name").String())
		}
	}
	return names
}

func joinLines(lines []string) string { return strings.Join(lines, "\n") }
