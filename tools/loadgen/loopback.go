package loadgen

import (
	"fmt"
	"net"
)

// CheckLoopback accepts host:port only when host is a loopback IP address:
// the load tools must never be pointed at a machine they do not run on.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q must be a loopback IP address, e.g. 127.0.0.1:8080", addr)
	}
	return nil
}
