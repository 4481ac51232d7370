package dashboard_test

import (
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/dashboard"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// hostDo sends a GET with the given Host header and returns the status and the response headers.
func hostDo(t *testing.T, url, host string, hdr map[string]string) (int, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	require.NoError(t, err)
	req.Host = host
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

// TestHostHeaderWithoutCredentials: without credentials only loopback names reach the pages,
// so a page that rebinds its own name to 127.0.0.1 gets nothing; with credentials any Host
// works (a proxy's name), given the credentials.
func TestHostHeaderWithoutCredentials(t *testing.T) {
	t.Parallel()
	b := newBedOn(t, testenv.OwnRedisURL(t)) // asynqmon's listing sees every queue of its database
	srv, _ := b.serve(dashboard.Options{})
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port, "app.localhost:" + port, "127.0.0.5"} {
		for _, p := range []string{"/", "/api/fleet", "/monitoring/api/queues", "/metrics"} {
			code, _ := hostDo(t, srv.URL+p, host, nil)
			require.Equal(t, 200, code, "%s %s", host, p)
		}
	}
	for _, host := range []string{"evil.example:" + port, "evil.example", "192.168.1.10:" + port, "localhost.evil.example", "0.0.0.0:" + port} {
		for _, p := range []string{"/", "/api/fleet", "/monitoring/api/queues", "/metrics"} {
			code, _ := hostDo(t, srv.URL+p, host, nil)
			require.Equal(t, http.StatusMisdirectedRequest, code, "%s %s", host, p)
		}
	}
	code, _ := hostDo(t, srv.URL+"/healthz", "evil.example", nil)
	require.Equal(t, 200, code, "/healthz says only that it is up")

	withCreds, _ := b.serve(dashboard.Options{Credentials: dashboard.Credentials{Token: "proxy-token-1234567"}})
	code, _ = hostDo(t, withCreds.URL+"/api/fleet", "media.example.org", map[string]string{"Authorization": "Bearer proxy-token-1234567"})
	require.Equal(t, 200, code)
	code, _ = hostDo(t, withCreds.URL+"/api/fleet", "media.example.org", nil)
	require.Equal(t, 401, code)
}

// TestPagesRefuseFraming: every page, asynqmon's included, forbids framing by other sites.
func TestPagesRefuseFraming(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	srv, _ := b.serve(dashboard.Options{})
	for _, p := range []string{"/", "/monitoring/", "/api/fleet", "/metrics"} {
		code, hdr := hostDo(t, srv.URL+p, "127.0.0.1", nil)
		require.Equal(t, 200, code, p)
		require.Equal(t, "frame-ancestors 'none'", hdr.Get("Content-Security-Policy"), p)
		require.Equal(t, "DENY", hdr.Get("X-Frame-Options"), p)
	}
}

// TestCheckBound: the address actually bound decides, whatever name was given.
func TestCheckBound(t *testing.T) {
	t.Parallel()
	none := dashboard.Credentials{}
	require.NoError(t, dashboard.CheckBound(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, none))
	require.NoError(t, dashboard.CheckBound(&net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, none))
	for _, ip := range []net.IP{net.IPv4(192, 168, 1, 10), net.IPv4zero, net.IPv6unspecified} {
		bound := &net.TCPAddr{IP: ip, Port: 8080}
		require.ErrorIs(t, dashboard.CheckBound(bound, none), dashboard.ErrUnprotected, "%s", bound)
		require.ErrorIs(t, dashboard.CheckBound(bound, dashboard.Credentials{Token: "abc"}), dashboard.ErrWeakSecret)
		require.NoError(t, dashboard.CheckBound(bound, dashboard.Credentials{Token: "9f2c41d7e0b3a865"}))
	}
}
