package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
)

// startDashboard runs `mediafleet dashboard` with args and extra environment, waits for its
// "dashboard listening" line and returns a base URL on 127.0.0.1 and the port it took. Without
// --listen or --config it listens on a free loopback port, not the default 8080 that tests
// running in parallel (or anything else on the machine) may hold.
func startDashboard(t *testing.T, e *bed, extraEnv []string, args ...string) string {
	t.Helper()
	if !slices.ContainsFunc(args, func(a string) bool { return a == "--listen" || a == "--config" }) {
		args = append(args, "--listen", "127.0.0.1:0")
	}
	cmd := exec.Command(binary, append([]string{"dashboard"}, args...)...)
	cmd.Env = append(e.environ(), extraEnv...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	lines := bufio.NewScanner(stderr)
	var seen strings.Builder
	for lines.Scan() {
		seen.WriteString(lines.Text() + "\n")
		var rec struct {
			Message string `json:"message"`
			URL     string `json:"url"`
		}
		if json.Unmarshal(lines.Bytes(), &rec) == nil && rec.Message == "dashboard listening" {
			u, err := url.Parse(rec.URL)
			require.NoError(t, err)
			_, port, err := net.SplitHostPort(u.Host)
			require.NoError(t, err)
			go func() { _, _ = io.Copy(io.Discard, stderr) }()
			return "http://127.0.0.1:" + port
		}
	}
	t.Fatalf("mediafleet dashboard never said it was listening:\n%s", seen.String())
	return ""
}

// get sends one request and returns its status.
func get(t *testing.T, method, u string, auth string, form url.Values) int {
	t.Helper()
	code, _ := send(t, method, u, auth, form)
	return code
}

func send(t *testing.T, method, u string, auth string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	c := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestDashboardCLIRefusesOpenAddressWithoutCredentials(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	cfg := filepath.Join(t.TempDir(), "fleet.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("dashboard:\n  listen: 0.0.0.0:0\n"), 0o644))
	for _, args := range [][]string{{"dashboard", "--listen", "0.0.0.0:0"}, {"--config", cfg, "dashboard"}} {
		done := make(chan struct{})
		var (
			stderr string
			err    error
		)
		go func() {
			defer close(done)
			_, stderr, err = e.run(args...)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("mediafleet %v started serving instead of refusing", args)
		}
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "mediafleet %v: %v", args, err)
		require.Contains(t, stderr, "refusing to serve the dashboard beyond this machine without credentials")
		require.Contains(t, stderr, "MEDIAFLEET_DASHBOARD_TOKEN")
	}
}

func TestDashboardCLICredentialsOnOpenAddress(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	e.redis = testenv.OwnRedisURL(t) // asynqmon's listing sees every queue of its database
	cfg := filepath.Join(t.TempDir(), "fleet.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("dashboard:\n  listen: 0.0.0.0:0\n  token: file-token-5e0c91ab\n"), 0o644))
	base := startDashboard(t, e, []string{"MEDIAFLEET_DASHBOARD_USER=ann", "MEDIAFLEET_DASHBOARD_PASSWORD=env-pass-7d3f82c6"}, "--config", cfg)
	basicAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("ann:env-pass-7d3f82c6"))
	for _, p := range []string{"/", "/monitoring/", "/monitoring/api/queues", "/metrics"} {
		require.Equal(t, 401, get(t, "GET", base+p, "", nil), p)
		require.Equal(t, 401, get(t, "GET", base+p, "Bearer wrong", nil), p)
		require.Equal(t, 200, get(t, "GET", base+p, "Bearer file-token-5e0c91ab", nil), p)
		require.Equal(t, 200, get(t, "GET", base+p, basicAuth, nil), p)
	}
	require.Equal(t, 200, get(t, "GET", base+"/healthz", "", nil))

	q := tasks.QueueName(e.prefix, tasks.Faces)
	require.Equal(t, 401, get(t, "POST", base+"/actions/pause", "", url.Values{"queue": {q}}))
	require.Equal(t, 303, get(t, "POST", base+"/actions/pause", "Bearer file-token-5e0c91ab", url.Values{"queue": {q}}))
	out := e.must("queues", "list")
	require.Contains(t, out, q)
	e.must("queues", "resume", "faces")
}

func TestDashboardCLIReadOnly(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	base := startDashboard(t, e, nil, "--listen", "127.0.0.1:0", "--read-only")
	q := tasks.QueueName(e.prefix, tasks.Keyframes)
	require.Equal(t, 200, get(t, "GET", base+"/", "", nil))
	require.Equal(t, 403, get(t, "POST", base+"/actions/pause", "", url.Values{"queue": {q}}))
	require.Equal(t, 403, get(t, "POST", base+"/monitoring/api/queues/"+q+":pause", "", nil))
	require.Contains(t, e.must("queues", "resume", "keyframes"), "was not paused")
}
