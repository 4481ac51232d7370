package dashboard_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/dashboard"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
)

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestDashboardCheckListen(t *testing.T) {
	t.Parallel()
	none := dashboard.Credentials{}
	for _, addr := range []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080", "127.0.0.2:0"} {
		require.NoError(t, dashboard.CheckListen(addr, none), addr)
	}
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "[::]:8080", "192.168.1.10:8080", "myhost:8080"} {
		err := dashboard.CheckListen(addr, none)
		require.ErrorIs(t, err, dashboard.ErrUnprotected, addr)
		require.Contains(t, err.Error(), "MEDIAFLEET_DASHBOARD_TOKEN")
		require.NoError(t, dashboard.CheckListen(addr, dashboard.Credentials{Token: "9f2c41d7e0b3a865"}), addr)
		require.NoError(t, dashboard.CheckListen(addr, dashboard.Credentials{User: "ann", Password: "correct horse battery"}), addr)
		for _, weak := range []dashboard.Credentials{{Token: "x"}, {Token: "s3cret"}, {Token: strings.Repeat("ab", 20)},
			{User: "ann", Password: "pw"}, {Token: "9f2c41d7e0b3a865", User: "ann", Password: "pw"}} {
			require.ErrorIs(t, dashboard.CheckListen(addr, weak), dashboard.ErrWeakSecret, "%s %+v", addr, weak)
		}
		// A user without a password is no credential.
		require.ErrorIs(t, dashboard.CheckListen(addr, dashboard.Credentials{User: "ann"}), dashboard.ErrUnprotected)
	}
	require.Error(t, dashboard.CheckListen("no-port", none))
	require.False(t, errors.Is(dashboard.CheckListen("no-port", none), dashboard.ErrUnprotected))
}

func TestDashboardCredentialsGuardEveryRoute(t *testing.T) {
	t.Parallel()
	b := newBedOn(t, testenv.OwnRedisURL(t)) // asynqmon's listing sees every queue of its database
	b.enqueue(tasks.Faces, 2)
	st := storetest.SQLite(t)
	srv, _ := b.serve(dashboard.Options{Credentials: dashboard.Credentials{Token: "tok-123", User: "ann", Password: "pw-456"},
		People: st, Results: st})
	routes := []string{"/", "/monitoring/", "/monitoring/api/queues", "/metrics", "/api/fleet", "/people", "/api/people",
		"/results", "/results?q=x", "/api/results"}
	for _, r := range routes {
		for name, hdr := range map[string]map[string]string{
			"none":           nil,
			"wrong token":    {"Authorization": "Bearer tok-124"},
			"wrong password": {"Authorization": basic("ann", "pw-457")},
			"wrong user":     {"Authorization": basic("bob", "pw-456")},
			"empty bearer":   {"Authorization": "Bearer "},
		} {
			code, _ := do(t, "GET", srv.URL+r, "", hdr)
			require.Equal(t, 401, code, "%s with %s", r, name)
		}
		for name, hdr := range map[string]map[string]string{
			"token":             {"Authorization": "Bearer tok-123"},
			"basic":             {"Authorization": basic("ann", "pw-456")},
			"token as password": {"Authorization": basic("anyone", "tok-123")},
		} {
			code, body := do(t, "GET", srv.URL+r, "", hdr)
			require.Equal(t, 200, code, "%s with %s: %s", r, name, body)
		}
	}
	code, body := do(t, "GET", srv.URL+"/monitoring/api/queues", "", map[string]string{"Authorization": "Bearer tok-123"})
	require.Equal(t, 200, code)
	require.Contains(t, body, b.queue(tasks.Faces))

	// An action without credentials does nothing.
	code, _ = do(t, "POST", srv.URL+"/actions/pause", "queue="+b.queue(tasks.Faces), nil)
	require.Equal(t, 401, code)
	require.False(t, b.info(b.queue(tasks.Faces)).Paused)

	// /healthz stays open for load balancers and probes.
	code, body = do(t, "GET", srv.URL+"/healthz", "", nil)
	require.Equal(t, 200, code)
	require.Equal(t, "ok\n", body)
}

func TestDashboardReadOnlyRefusesEveryAction(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	q := b.queue(tasks.Captions)
	b.enqueue(tasks.Captions, 3)
	b.fail(tasks.Captions, "captions backend answered 400 for /library/captions-0.mp4")
	srv, _ := b.serve(dashboard.Options{ReadOnly: true})

	code, page := do(t, "GET", srv.URL+"/", "", nil)
	require.Equal(t, 200, code)
	require.Contains(t, page, q)
	require.Contains(t, page, `id="read-only"`)
	require.NotContains(t, page, "data-action=")
	require.NotContains(t, page, "<form")

	for _, a := range dashboard.Actions() {
		code, _ := do(t, "POST", srv.URL+"/actions/"+a, "queue="+q, nil)
		require.Equal(t, 403, code, a)
	}
	for _, r := range []struct{ method, path string }{
		{"POST", "/monitoring/api/queues/" + q + ":pause"},
		{"POST", "/monitoring/api/queues/" + q + "/archived_tasks:run_all"},
		{"DELETE", "/monitoring/api/queues/" + q + "/archived_tasks:delete_all"},
		{"DELETE", "/monitoring/api/queues/" + q},
	} {
		code, _ := do(t, r.method, srv.URL+r.path, "", nil)
		require.Equal(t, 403, code, "%s %s", r.method, r.path)
	}
	info := b.info(q)
	require.False(t, info.Paused)
	require.Equal(t, 3, info.Archived)

	// asynqmon's page is told it is read-only, so it shows no action buttons.
	code, mon := do(t, "GET", srv.URL+"/monitoring/", "", nil)
	require.Equal(t, 200, code)
	require.Contains(t, mon, `window.FLAG_READ_ONLY="true"`)
}

func TestDashboardRefusesCrossOriginActions(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	q := b.queue(tasks.Keyframes)
	b.enqueue(tasks.Keyframes, 1)
	srv, _ := b.serve(dashboard.Options{})
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "http://evil.example"},
	} {
		code, _ := do(t, "POST", srv.URL+"/actions/pause", "queue="+q, hdr)
		require.Equal(t, 403, code, hdr)
		code, _ = do(t, "POST", srv.URL+"/monitoring/api/queues/"+q+":pause", "", hdr)
		require.Equal(t, 403, code, hdr)
	}
	require.False(t, b.info(q).Paused)

	// The page's own form post (same origin) works and sends the browser back to the page.
	code, _ := do(t, "POST", srv.URL+"/actions/pause", "queue="+q, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL})
	require.Equal(t, 303, code)
	require.True(t, b.info(q).Paused)
	code, _ = do(t, "POST", srv.URL+"/actions/pause", "queue=somebody-elses-queue", nil)
	require.Equal(t, 400, code)
}
