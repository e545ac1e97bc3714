// Package clientaddr names the client a request comes from, for limits that
// reconnecting must not reset. It is the address of the TCP peer: headers
// such as X-Forwarded-For are set by the client and never trusted, so behind
// a reverse proxy every client is the proxy's address.
package clientaddr

import (
	"net"
	"net/http"
	"net/netip"
)

// ipv6Prefix is how much of an IPv6 address names one client: a single
// host is usually given a whole /64, and could otherwise take a new address
// for every attempt.
const ipv6Prefix = 64

// Of returns the key of r's client: its IPv4 address, or its IPv6 /64.
func Of(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	prefix, err := addr.Prefix(ipv6Prefix)
	if err != nil {
		return addr.String()
	}
	return prefix.String()
}
