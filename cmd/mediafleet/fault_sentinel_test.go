package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// TestSentinelFailoverMidDrain runs the fleet on a redis-sentinel:// URL (a master, a replica,
// three sentinels) and kills the master with kill -9 in the middle of a drain: the sentinels
// promote the replica, and the worker, the dashboard and a later enqueue follow it by
// themselves; every photo is captioned exactly once.
func TestSentinelFailoverMidDrain(t *testing.T) {
	t.Parallel()
	set := testenv.StartSentinelSet(t)
	b := newFaultBed(t, set.URL(), 200)
	require.Equal(t, b.n, b.enqueue())
	w := b.worker()
	dash := startDashboard(t, b.bed, b.extra, "--listen", "127.0.0.1:0")
	b.waitFault(w)

	old := set.Master.Addr()
	set.Master.Kill()
	require.Eventually(t, func() bool {
		now, err := set.MasterAddr(t.Context())
		return err == nil && now != old
	}, 60*time.Second, 100*time.Millisecond, "the sentinels promote the replica")

	more := filepath.Join(filepath.Dir(b.lib), "more")
	smallLibrary(t, more, 50)
	enq := startProc(t, b.bed, nil, "--config", b.config, "enqueue", "--catalog", "dir:"+more, "--kinds", "captions", "--json")
	require.NoError(t, enq.wait(t, 90*time.Second), enq.Log())
	var s enqueueSummary
	require.NoError(t, json.Unmarshal(enq.out.Bytes(), &s), enq.out.String())
	require.Equal(t, 50, s.Enqueued, "enqueue after the failover goes to the new master")
	b.n += 50

	b.waitAllDone(3*time.Minute, w)
	require.Eventually(t, func() bool {
		code, _ := send(t, "GET", dash+"/healthz", "", nil)
		return code == 200
	}, 30*time.Second, 100*time.Millisecond, "the dashboard follows the new master")
	code, body := send(t, "GET", dash+"/monitoring/api/queues", "", nil)
	require.Equal(t, 200, code, body)
	require.Contains(t, body, b.prefix, "asynqmon reads the queues from the new master")
	require.NoError(t, w.stop(t, 60*time.Second))
}
