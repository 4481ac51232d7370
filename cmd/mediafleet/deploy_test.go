package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/configs"
)

// deployDir is the folder of the example systemd units and environment file.
const deployDir = "../../deploy"

// readEnvFile reads KEY=VALUE lines as systemd's EnvironmentFile does (comments and blanks skipped).
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, "%s: %q is not KEY=VALUE", path, line)
		env[k] = v
	}
	return env
}

// TestDeployUnits checks the example systemd units and their environment file: every variable
// is one mediafleet reads, the settings pass validation, the worker's stop timeout is longer
// than its shutdown grace (so SIGTERM's grace is never cut short by SIGKILL), and, where
// systemd-analyze exists, `systemd-analyze verify` accepts both units.
func TestDeployUnits(t *testing.T) {
	t.Parallel()
	env := readEnvFile(t, filepath.Join(deployDir, "mediafleet.env"))
	for k := range env {
		_, known := configs.EnvVars[k]
		known = known || k == "MEDIAFLEET_LOG_FORMAT" || k == "MEDIAFLEET_LOG_LEVEL" || k == "MEDIAFLEET_CONFIG"
		require.True(t, known, "mediafleet.env sets %s, which mediafleet does not read", k)
	}
	cfg, err := configs.Load("", func(k string) string { return env[k] })
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())

	unit, err := os.ReadFile(filepath.Join(deployDir, "mediafleet-worker.service"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^TimeoutStopSec=(\d+)$`).FindSubmatch(unit)
	require.NotNil(t, m, "the worker unit sets TimeoutStopSec")
	stop, err := time.ParseDuration(string(m[1]) + "s")
	require.NoError(t, err)
	require.Greater(t, stop, cfg.Worker.ShutdownGrace, "systemd waits longer than the shutdown grace before it kills")
	require.Contains(t, string(unit), "KillSignal=SIGTERM")
	require.Contains(t, string(unit), "Restart=always")

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed: the units were checked without it")
		return
	}
	envFile, err := filepath.Abs(filepath.Join(deployDir, "mediafleet.env"))
	require.NoError(t, err)
	dir := t.TempDir()
	for _, name := range []string{"mediafleet-worker.service", "mediafleet-dashboard.service"} {
		b, err := os.ReadFile(filepath.Join(deployDir, name))
		require.NoError(t, err)
		// The installed paths, pointed at this checkout's binary and environment file.
		s := strings.ReplaceAll(string(b), "/usr/local/bin/mediafleet", binary)
		s = strings.ReplaceAll(s, "/etc/mediafleet/mediafleet.env", envFile)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644))
	}
	cmd := exec.Command(analyze, "verify", filepath.Join(dir, "mediafleet-worker.service"), filepath.Join(dir, "mediafleet-dashboard.service"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "systemd-analyze verify: %s", out)
	require.Empty(t, strings.TrimSpace(string(out)), "systemd-analyze verify has remarks")
}
