package dashboard

import (
	"net/http"
)

// safeMethod reports whether a request only reads.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// readOnly refuses every request that could change something, asynqmon's API included, with 403.
func readOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !safeMethod(r.Method) {
			http.Error(w, "mediafleet dashboard is read-only (--read-only): "+r.Method+" is refused", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses state-changing requests that a browser sends from another site (CSRF):
// it trusts the browser's Sec-Fetch-Site header, else compares Origin with Host. Requests from
// programs (no such headers) pass; they need credentials like every other request.
func sameOrigin(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "mediafleet dashboard: cross-origin request refused; use the dashboard's own page", http.StatusForbidden)
	}))
	return p.Handler(next)
}
