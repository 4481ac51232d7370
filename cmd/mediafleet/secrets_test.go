package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// withPassword puts password into a URL's user info.
func withPassword(t *testing.T, raw, password string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String()
}

// TestSecretsNeverShown runs a fleet on a Redis with a password and a PostgreSQL URL with one,
// and reads everything it prints: the worker's and the dashboard's logs, status, workers (the
// registry entries), the dashboard's pages and asynqmon's API, and the errors of a Redis and a
// PostgreSQL that do not answer and of URLs that do not parse. Neither password appears anywhere.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	const redisPW, pgPW = "Rz7-redis-Pw", "Pg9-store-Pw"
	e := newBed(t)
	srv := testenv.StartRedis(t, "--requirepass", redisPW)
	e.redis, e.ownRedis = srv.URL(), true
	e.extra = []string{"MEDIAFLEET_STORE=" + withPassword(t, storetest.PostgresSpec(t), pgPW)}
	e.addSample("vtest.avi", "v.avi")

	var seen []string
	look := func(what, text string) {
		seen = append(seen, what)
		require.NotContains(t, text, redisPW, what)
		require.NotContains(t, text, pgPW, what)
	}
	out, errOut, err := e.run("enqueue", "--catalog", "dir:"+e.lib, "--kinds", "keyframes")
	require.NoError(t, err, errOut)
	look("enqueue", out+errOut)

	w := startProc(t, e, nil, "worker", "--queues", "keyframes=1", "--log-level", "debug")
	require.True(t, w.waitLog(`"task done"`, 60*time.Second), w.Log())
	var ws struct {
		Workers []struct {
			Store string `json:"store"`
		} `json:"workers"`
	}
	out, errOut, err = e.run("workers", "--json")
	require.NoError(t, err, errOut)
	look("workers --json", out+errOut)
	require.NoError(t, json.Unmarshal([]byte(out), &ws))
	require.Len(t, ws.Workers, 1)
	require.Contains(t, ws.Workers[0].Store, "postgres://postgres:xxxxx@", "the registry names the store, password hidden")

	for _, args := range [][]string{{"status"}, {"status", "--json"}, {"workers"}, {"queues", "list"}, {"show", e.lib + "/v.avi", "--json"}} {
		out, errOut, err := e.run(args...)
		require.NoError(t, err, "%v: %s", args, errOut)
		look(strings.Join(args, " "), out+errOut)
	}
	out = e.must("status")
	require.Contains(t, out, "redis://:xxxxx@127.0.0.1:", "status names the Redis, password hidden")

	base := startDashboard(t, e, e.extra, "--listen", "127.0.0.1:0")
	for _, path := range []string{"/", "/api/fleet", "/metrics", "/healthz", "/monitoring/", "/monitoring/api/queues", "/monitoring/api/redis_info", "/monitoring/api/servers"} {
		code, body := send(t, "GET", base+path, "", nil)
		require.Equal(t, 200, code, "%s: %s", path, body)
		look("dashboard "+path, body)
	}

	require.NoError(t, w.stop(t, 60*time.Second))
	require.Contains(t, w.Log(), "redis://:xxxxx@127.0.0.1:", "the worker's start line names the Redis, password hidden")
	look("worker log", w.Log())

	// Errors: nothing answers, or the URL does not parse.
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"status"}, "MEDIAFLEET_REDIS_URL=redis://:" + redisPW + "@127.0.0.1:1/0", "does not answer"},
		{[]string{"status"}, "MEDIAFLEET_REDIS_URL=redis://:" + redisPW + "@127.0.0.1:bad/0", "not a Redis URL"},
		{[]string{"status"}, "MEDIAFLEET_REDIS_URL=redis-sentinel://:" + redisPW + "@127.0.0.1:1/mymaster", "does not answer"},
		{[]string{"worker", "--until-empty"}, "MEDIAFLEET_STORE=postgres://postgres:" + pgPW + "@127.0.0.1:1/test?connect_timeout=2", "open store"},
		{[]string{"show", "x.jpg"}, "MEDIAFLEET_STORE=postgres://postgres:" + pgPW + "@127.0.0.1:bad/test", "open store"},
	} {
		saved := e.extra
		e.extra = append(append([]string{}, saved...), c.env)
		out, errOut, err := e.run(c.args...)
		e.extra = saved
		require.Error(t, err, "%v with %s", c.args, c.env)
		require.Contains(t, errOut, c.want)
		look(c.env, out+errOut)
	}
	t.Logf("checked %d outputs", len(seen))
}
