// Package contracttests is the contract suite: it starts PostgreSQL with
// testcontainers-go, runs the real server against it on a loopback port,
// drives it over HTTP and WebSocket, validates every reply against specs/
// and keeps a ledger of which documented responses, messages, close codes
// and upgrade refusals were exercised.
//
// Run it with `make contract` (which prepares the container engine) or
// `go test ./contracttests/` where Docker answers.
package contracttests
