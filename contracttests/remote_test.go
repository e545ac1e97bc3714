package contracttests

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/platform/config"
)

// The suite against a server it did not start (make contract-remote): the
// same tests, on a server someone else runs, with the credentials it was
// configured with. Every test shares that server, so each keeps to users,
// devices and sessions of its own (remote.subject); tests that need control
// of the process or the database (restarts, several processes on one
// database, a configuration of their own, database faults) are skipped, and
// the ledger marks the items only such tests reach (suiteServerItem).

// Environment of a remote run (the Makefile's contract-remote sets it from
// BASE_URL, AUTH_JWT_SECRET, AVATAR_API_KEY and DECISION_API_KEY).
const (
	envRemoteURL         = "CONTRACT_BASE_URL"
	envRemoteJWTSecret   = "CONTRACT_AUTH_JWT_SECRET"
	envRemoteAvatarKey   = "CONTRACT_AVATAR_API_KEY"
	envRemoteDecisionKey = "CONTRACT_DECISION_API_KEY"
)

// remoteTarget is the server under contract when the suite runs against one
// it did not start; its zero value is a run on servers of the suite's own.
type remoteTarget struct {
	baseURL string // http(s)://host[:port], no trailing slash
	run     string // this run's id, in every subject it mints

	mu      sync.Mutex
	skipped map[string]string // test → why it needs a server of its own
}

var remote = &remoteTarget{}

// configure reads the environment; without CONTRACT_BASE_URL the suite
// starts its own servers.
func (r *remoteTarget) configure(getenv func(string) string) error {
	base := strings.TrimRight(getenv(envRemoteURL), "/")
	if base == "" {
		return nil
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("%s=%q: want http(s)://host[:port] (the server's root)", envRemoteURL, base)
	}
	secret, avatarKeys, decisionKey := getenv(envRemoteJWTSecret), getenv(envRemoteAvatarKey), getenv(envRemoteDecisionKey)
	var missing []string
	for name, v := range map[string]string{envRemoteJWTSecret: secret, envRemoteAvatarKey: avatarKeys, envRemoteDecisionKey: decisionKey} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return errors.New("against " + base + " the suite needs the server's credentials: set " + strings.Join(missing, ", "))
	}
	keys := strings.Split(avatarKeys, ",")
	testJWTSecret, testAvatarKey, testDecisionKey = secret, strings.TrimSpace(keys[0]), decisionKey
	testAvatarKey2 = ""
	if len(keys) > 1 {
		testAvatarKey2 = strings.TrimSpace(keys[1])
	}
	var id [4]byte
	_, _ = rand.Read(id[:])
	r.baseURL, r.run, r.skipped = base, hex.EncodeToString(id[:]), map[string]string{}
	return nil
}

func (r *remoteTarget) enabled() bool { return r.baseURL != "" }

func (r *remoteTarget) target() string {
	if r.enabled() {
		return r.baseURL + " (remote; items only a server of the suite's own reaches are not counted)"
	}
	return "servers of the suite's own on PostgreSQL"
}

// skip skips t against a remote server: it needs what only a server of the
// suite's own allows (why).
func (r *remoteTarget) skip(t *testing.T, why string) {
	t.Helper()
	if !r.enabled() {
		return
	}
	r.mu.Lock()
	r.skipped[t.Name()] = why
	r.mu.Unlock()
	t.Skip("needs a server of the suite's own: " + why)
}

// reportSkipped lists the tests a remote run skipped, and why.
func (r *remoteTarget) reportSkipped(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.skipped))
	for name := range r.skipped {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "remote: %d tests skipped, they need a server of the suite's own:\n", len(names))
	for _, name := range names {
		fmt.Fprintf(w, "remote:     %s (%s)\n", name, r.skipped[name])
	}
}

// subject is the token subject (user), or decisions checksum (device), a
// test means by sub. Against a remote server, which every test and every
// earlier run shares, it is unique to this run and this test; the empty
// subject and UUIDs (already unique) are kept as they are.
func (r *remoteTarget) subject(t *testing.T, sub string) string {
	if !r.enabled() || sub == "" || uuid.Validate(sub) == nil {
		return sub
	}
	top, _, _ := strings.Cut(t.Name(), "/")
	h := fnv.New32a()
	_, _ = h.Write([]byte(top))
	return fmt.Sprintf("%s-%08x-%s", r.run, h.Sum32(), sub)
}

// ownServer starts a server of the suite's own (newServer): the test needs
// what only such a server allows (why: a database fault, a restart), so
// against a remote server it is skipped.
func ownServer(t *testing.T, why string) *testServer {
	t.Helper()
	remote.skip(t, why)
	return newServer(t)
}

// configuredServer starts a server of the suite's own configured by tweak
// (configured true). Against a remote server it is that server, configured
// as it is: the test leaves out the checks that depend on tweak and runs
// the rest.
func configuredServer(t *testing.T, tweak func(*config.Config)) (ts *testServer, configured bool) {
	t.Helper()
	if remote.enabled() {
		return newServer(t), false
	}
	return startServer(t, createDatabase(t), tweak), true
}

// suiteServerItem says why item is reached only through control of the
// server's process or database, which a remote run does not have: those
// items are listed but not counted against a remote server. Every other
// item must be checked there too.
func suiteServerItem(item string) (string, bool) {
	for _, r := range suiteServerRules {
		for _, part := range r.parts {
			if strings.Contains(item+" ", part) {
				return r.why, true
			}
		}
	}
	return "", false
}

// suiteServerRules: what an item contains (matched against the item plus a
// space) → why only a server of the suite's own reaches it. Each names a
// kind of item (an error code, a close code, an upgrade status), never a
// test.
var suiteServerRules = []struct {
	parts []string
	why   string
}{
	{[]string{" INTERNAL_ERROR ", " 500 "}, "a database fault"},
	{[]string{" close 1001 ", " upgrade 503 ", " SERVICE_UNAVAILABLE "}, "a server shutdown"},
	{[]string{" REQUEST_TIMEOUT "}, "a short HTTP_READ_TIMEOUT"},
	{[]string{" upgrade 429 ", " TOO_MANY_CONNECTIONS "}, "a low WS_MAX_CONNECTIONS_PER_ADDRESS"},
	{[]string{" TOO_MANY_SESSIONS "}, "AVATAR_MAX_SESSIONS_PER_KEY set"},
	{[]string{" STORAGE_QUOTA_EXCEEDED "}, "a small THERAPY_STORAGE_QUOTA_BYTES"},
	{[]string{" RECORDING_LIMIT_REACHED "}, "a small AVATAR_MAX_RECORDING_BYTES"},
	{[]string{"uploadContent 413 PAYLOAD_TOO_LARGE "}, "a small CONTENT_MAX_BYTES"},
	{[]string{" close 4008 "}, "events published on the server's database bus faster than a client reads"},
}
