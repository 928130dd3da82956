// Package peer says which address a request comes from, the one rule the
// API and the console share for throttling sign-ins, listing sessions and
// auditing.
//
// Without a trusted proxy the address is the socket's peer: headers are
// the client's to write, so they count for nothing. Behind one reverse
// proxy (gatehouse serve --trust-proxy) the address is the right-most
// entry of the last X-Forwarded-For header: the one the proxy appended
// for the connection it accepted, which is the first hop the proxy did
// not make up. Entries left of it are whatever the client sent. A request
// whose header is missing or unreadable falls back to the socket's peer.
package peer

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Addr is the client address of r.
func Addr(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if a, err := netip.ParseAddr(strings.TrimSpace(last)); err == nil {
				return a.Unmap().WithZone("").String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().WithZone("").String()
	}
	return host
}
