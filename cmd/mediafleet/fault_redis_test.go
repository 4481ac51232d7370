package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// TestRedisRestartMidDrain kills Redis (appendonly everysec) with kill -9 in the middle of a
// drain and starts it again on the same port and files: the worker, the dashboard and the
// enqueuer carry on by themselves, and every photo is captioned exactly once.
func TestRedisRestartMidDrain(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, "--appendonly", "yes", "--appendfsync", "everysec")
	b := newFaultBed(t, srv.URL(), 200)
	require.Equal(t, b.n, b.enqueue())
	w := b.worker()
	dash := startDashboard(t, b.bed, b.extra, "--listen", "127.0.0.1:0")
	b.waitFault(w)

	srv.Kill()
	code, _ := send(t, "GET", dash+"/healthz", "", nil)
	require.Equal(t, 503, code, "the dashboard says Redis is gone")
	// An enqueue started while Redis is down waits for it.
	more := filepath.Join(filepath.Dir(b.lib), "more")
	smallLibrary(t, more, 50)
	enq := startProc(t, b.bed, nil, "--config", b.config, "enqueue", "--catalog", "dir:"+more, "--kinds", "captions", "--json")
	require.True(t, enq.waitLog("waiting for Redis", 30*time.Second), enq.Log())
	srv.Restart(t)
	require.NoError(t, enq.wait(t, 60*time.Second), enq.Log())
	var s enqueueSummary
	require.NoError(t, json.Unmarshal(enq.out.Bytes(), &s), enq.out.String())
	require.Equal(t, 50, s.Enqueued, "the waiting enqueue went through once Redis was back")
	b.n += 50

	require.Eventually(t, func() bool {
		code, _ := send(t, "GET", dash+"/healthz", "", nil)
		return code == 200
	}, 30*time.Second, 100*time.Millisecond, "the dashboard reconnects")
	b.waitAllDone(3*time.Minute, w)
	// A "task done" write that meets Redis down is retried by the worker's patient client; one
	// whose reply the kill lost cannot be, and that task waits for asynq's lease recovery.
	t.Logf("task-done writes given up on: %d", strings.Count(w.Log(), "Could not remove task"))
	code, body := send(t, "GET", dash+"/api/fleet", "", nil)
	require.Equal(t, 200, code, body)
	require.Contains(t, body, `"in_flight"`, "the restarted worker is on the fleet page again")
	require.NoError(t, w.stop(t, 60*time.Second))
}
