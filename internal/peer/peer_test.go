package peer

import (
	"net/http"
	"testing"
)

func TestAddr(t *testing.T) {
	for _, c := range []struct {
		name   string
		remote string
		xff    []string
		trust  bool
		want   string
	}{
		{"socket", "192.0.2.7:5555", nil, false, "192.0.2.7"},
		{"header ignored without trust", "192.0.2.7:5555", []string{"203.0.113.9"}, false, "192.0.2.7"},
		{"proxy's entry", "10.0.0.2:80", []string{"198.51.100.1, 203.0.113.9"}, true, "203.0.113.9"},
		{"last header wins", "10.0.0.2:80", []string{"198.51.100.1", "203.0.113.8"}, true, "203.0.113.8"},
		{"forged left entries do not count", "10.0.0.2:80", []string{"1.2.3.4, 5.6.7.8, 203.0.113.9"}, true, "203.0.113.9"},
		{"unreadable entry falls back", "10.0.0.2:80", []string{"203.0.113.9, garbage"}, true, "10.0.0.2"},
		{"no header falls back", "10.0.0.2:80", nil, true, "10.0.0.2"},
		{"IPv6 socket", "[2001:db8::1]:443", nil, false, "2001:db8::1"},
		{"IPv4-mapped", "[::ffff:192.0.2.1]:443", nil, false, "192.0.2.1"},
		{"IPv6 entry", "10.0.0.2:80", []string{"2001:db8::7"}, true, "2001:db8::7"},
	} {
		r := &http.Request{RemoteAddr: c.remote, Header: http.Header{}}
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := Addr(r, c.trust); got != c.want {
			t.Errorf("%s: Addr = %q, want %q", c.name, got, c.want)
		}
	}
}
