// Package contracttests is the contract suite: it starts PostgreSQL with
// testcontainers-go, runs the real server against it on a loopback port,
// drives it over HTTP and WebSocket, validates every reply against specs/
// and keeps a ledger of which documented responses, messages, close codes
// and upgrade refusals were exercised.
//
// Every test calls t.Parallel: each starts its own servers on a database of
// its own, and most of a test's time is spent waiting (timers, sockets,
// PostgreSQL), so `make contract` runs CONTRACT_PARALLEL (default 4) of them
// at once. A new test does the same unless it must run alone.
//
// Run it with `make contract` (which prepares the container engine) or
// `go test ./contracttests/` where Docker answers.
package contracttests
