package dashboard

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// loopbackName reports whether host (a Host header or listen host, port removed) names this
// machine only: localhost (and names under .localhost), or a loopback address.
func loopbackName(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return ip != nil && ip.IsLoopback()
}

// loopbackHost refuses requests whose Host header is not a loopback name or address. Without
// credentials the dashboard trusts whoever reaches it, which only this machine can; a web page
// from elsewhere could reach it too through DNS rebinding (its own name made to point at
// 127.0.0.1), and such a request carries that name as its Host. With credentials this check is
// off, so the dashboard keeps working behind a proxy under another name.
func loopbackHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if !loopbackName(host) {
			http.Error(w, fmt.Sprintf("mediafleet dashboard: host %.100q refused: without credentials the dashboard answers only to localhost or a loopback address", r.Host),
				http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// noFraming forbids other sites to show the dashboard's pages in a frame (clickjacking its
// buttons), for browsers that know CSP and for those that know only X-Frame-Options.
func noFraming(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
		w.Header().Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
