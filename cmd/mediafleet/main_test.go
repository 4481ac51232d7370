package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/tasks"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// binary is the mediafleet command built once for the tests that run it as a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mediafleet-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "mediafleet")
	// Built without -race: the packages it wires run their own tests with it.
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic("building mediafleet: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func (e *bed) environ() []string {
	return append(os.Environ(), "MEDIAFLEET_REDIS_URL="+e.redis, "MEDIAFLEET_QUEUE_PREFIX="+e.prefix,
		"MEDIAFLEET_DATA_DIR="+e.dataDir, "MEDIAFLEET_LOG_FORMAT=json")
}

// addSample copies a sample file into the library under name.
func (e *bed) addSample(sample, name string) string {
	e.t.Helper()
	dst := filepath.Join(e.lib, name)
	require.NoError(e.t, os.MkdirAll(filepath.Dir(dst), 0o755))
	require.NoError(e.t, copyIfMissing(testenv.Sample(e.t, sample), dst))
	return dst
}

// run runs mediafleet and returns stdout, stderr and the error.
func (e *bed) run(args ...string) (string, string, error) {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(e.environ(), e.extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// must runs mediafleet and fails the test unless it exits 0.
func (e *bed) must(args ...string) string {
	e.t.Helper()
	out, errOut, err := e.run(args...)
	require.NoError(e.t, err, "mediafleet %v\nstdout: %s\nstderr: %s", args, out, errOut)
	return out
}

func (e *bed) json(v any, args ...string) {
	e.t.Helper()
	out := e.must(append(args, "--json")...)
	require.NoError(e.t, json.Unmarshal([]byte(out), v), out)
}

func cleanupQueues(t testing.TB, redisURL, prefix string) {
	opt, err := redisconn.ParseRedisURL(redisURL)
	if err != nil {
		return
	}
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	for _, k := range tasks.AllKinds() {
		_ = insp.DeleteQueue(tasks.QueueName(prefix, k), true)
	}
}
