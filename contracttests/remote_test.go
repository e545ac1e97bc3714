package contracttests

import "testing"

// remoteTarget is the server under contract when the suite runs against one
// it did not start (make contract-remote); empty otherwise.
type remoteTarget struct{ baseURL string }

var remote remoteTarget

func (r remoteTarget) enabled() bool { return r.baseURL != "" }

func (r remoteTarget) target() string {
	if r.enabled() {
		return r.baseURL
	}
	return "servers of the suite's own on PostgreSQL"
}

// suiteServerItem names the items that only a server the suite starts
// itself can produce, and why.
func suiteServerItem(item string) (string, bool) { return "", false }

// ownServer starts a server of the suite's own (see newServer): the test
// needs what only such a server allows (why), so against a remote server it
// is skipped and its items are marked in the ledger.
func ownServer(t *testing.T, why string) *testServer {
	t.Helper()
	return newServer(t)
}
