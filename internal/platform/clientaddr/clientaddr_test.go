package clientaddr

import (
	"net/http"
	"testing"
)

func TestOf(t *testing.T) {
	for remote, want := range map[string]string{
		"203.0.113.7:51234":                "203.0.113.7",
		"[::ffff:203.0.113.7]:51234":       "203.0.113.7",
		"[2001:db8:1:2:aaaa::1]:443":       "2001:db8:1:2::/64",
		"[2001:db8:1:2:bbbb:cccc::9]:8080": "2001:db8:1:2::/64", // the same /64: one client
		"[2001:db8:1:3::1]:443":            "2001:db8:1:3::/64",
		"not an address":                   "not an address",
	} {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{"X-Forwarded-For": {"198.51.100.1"}}}
		if got := Of(r); got != want {
			t.Errorf("Of(%q) = %q, want %q", remote, got, want)
		}
	}
}
