package registry

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/gpu"
)

// eventually polls cond every 50 ms until it holds, failing the test after deadline.
func eventually(t *testing.T, deadline time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("%s: not within %s", what, deadline)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func find(t *testing.T, reg *Registry, id string) (WorkerInfo, bool) {
	t.Helper()
	ws, err := reg.List(context.Background())
	require.NoError(t, err)
	i := slices.IndexFunc(ws, func(w WorkerInfo) bool { return w.ID == id })
	if i < 0 {
		return WorkerInfo{}, false
	}
	return ws[i], true
}

func TestRunPublishesRefreshesAndRemovesOnStop(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	dev := gpu.FakeDevice(0, "NVIDIA T", 16384)
	info := NewWorkerInfo("v1.2.3")
	var inFlight atomic.Int64
	snapshot := func() WorkerInfo {
		w := info
		w.Queues = []QueueInfo{{Name: b.prefix + ":faces", Concurrency: 4, InFlight: int(inFlight.Load()), Device: dev.UUID}}
		w.GPU = &dev
		return w
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.reg.Run(ctx, 100*time.Millisecond, 2*time.Second, snapshot) }()
	t.Cleanup(cancel)

	var first WorkerInfo
	eventually(t, 10*time.Second, "worker listed", func() bool {
		var ok bool
		first, ok = find(t, b.reg, info.ID)
		return ok
	})
	require.Equal(t, info.Host, first.Host)
	require.Equal(t, os.Getpid(), first.PID)
	require.Equal(t, "v1.2.3", first.Version)
	require.True(t, info.StartedAt.Equal(first.StartedAt))
	require.Equal(t, dev, *first.GPU)
	require.False(t, first.LastSeen.IsZero())
	ttl, err := b.rdb.PTTL(context.Background(), b.reg.key(info.ID)).Result()
	require.NoError(t, err)
	require.Greater(t, ttl, time.Duration(0))
	require.LessOrEqual(t, ttl, 2*time.Second)

	// Heartbeats carry fresh snapshots and move LastSeen on.
	inFlight.Store(3)
	eventually(t, 10*time.Second, "heartbeat refreshed the entry", func() bool {
		w, ok := find(t, b.reg, info.ID)
		require.True(t, ok, "worker vanished while heartbeating")
		return w.Queues[0].InFlight == 3 && w.LastSeen.After(first.LastSeen)
	})

	cancel()
	require.NoError(t, <-done)
	_, ok := find(t, b.reg, info.ID)
	require.False(t, ok, "a cleanly stopped worker leaves at once")
	n, err := b.rdb.Exists(context.Background(), b.reg.key(info.ID)).Result()
	require.NoError(t, err)
	require.Zero(t, n)
	require.ErrorIs(t, b.rdb.ZScore(context.Background(), b.reg.index(), info.ID).Err(), redis.Nil)
}

func TestKilledWorkerDropsOutWithinTTL(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	id := NewWorkerID("killed-host", 4242)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+b.url+" "+b.prefix+" "+id)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "heartbeating\n", line)

	eventually(t, 10*time.Second, "child worker listed", func() bool { _, ok := find(t, b.reg, id); return ok })
	require.NoError(t, cmd.Process.Signal(os.Kill)) // SIGKILL: no cleanup runs
	err = cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	require.Equal(t, "signal: killed", exit.Error())

	// It must go by itself once its TTL (2 s) runs out; allow slack for a loaded machine.
	eventually(t, childTTL+10*time.Second, "killed worker gone from List", func() bool { _, ok := find(t, b.reg, id); return !ok })
	// A recovery pass finds it dead, has nothing to requeue, and forgets it.
	_, err = b.reg.Recover(context.Background(), "other", DefaultTiming(time.Second, 4*time.Second))
	require.NoError(t, err)
	require.ErrorIs(t, b.rdb.ZScore(context.Background(), b.reg.index(), id).Err(), redis.Nil, "a recovery pass prunes the index")
}

func TestListPrunesAndSkips(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	ctx := context.Background()
	live := NewWorkerInfo("v1")
	require.NoError(t, b.reg.Publish(ctx, live, time.Minute))
	future := float64(time.Now().Add(time.Hour).UnixMilli())
	require.NoError(t, b.rdb.ZAdd(ctx, b.reg.index(),
		redis.Z{Score: 1, Member: "dead:1:aa"},         // expired long ago
		redis.Z{Score: future, Member: "nokey:2:bb"},   // indexed, but its key is gone
		redis.Z{Score: future, Member: "corrupt:3:cc"}, // key holds no JSON
	).Err())
	require.NoError(t, b.rdb.Set(ctx, b.reg.key("corrupt:3:cc"), "{not json", time.Minute).Err())

	ws, err := b.reg.List(ctx)
	require.NoError(t, err)
	require.Len(t, ws, 1)
	require.Equal(t, live.ID, ws[0].ID)
	require.ErrorIs(t, b.rdb.ZScore(ctx, b.reg.index(), "dead:1:aa").Err(), redis.Nil)

	require.NoError(t, b.reg.Remove(ctx, live.ID))
	ws, err = b.reg.List(ctx)
	require.NoError(t, err)
	require.Empty(t, ws)
	require.NotNil(t, ws, "an empty list encodes as [] for --json")
}

func TestPrefixesKeepFleetsApart(t *testing.T) {
	t.Parallel()
	a, b := newBed(t), newBed(t)
	ctx := context.Background()
	wa, wb := NewWorkerInfo("a"), NewWorkerInfo("b")
	require.NoError(t, a.reg.Publish(ctx, wa, time.Minute))
	require.NoError(t, b.reg.Publish(ctx, wb, time.Minute))

	for _, c := range []struct {
		reg  *Registry
		want string
	}{{a.reg, wa.ID}, {b.reg, wb.ID}} {
		ws, err := c.reg.List(ctx)
		require.NoError(t, err)
		require.Len(t, ws, 1)
		require.Equal(t, c.want, ws[0].ID)
	}
	require.True(t, strings.HasPrefix(a.reg.key(wa.ID), a.prefix+":mediafleet:workers:"))
	require.Equal(t, "mediafleet:workers:x", New(a.rdb, "", zerolog.Nop()).key("x"))
}

func TestRunAndPublishRefuseBadInput(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	ctx := context.Background()
	snap := func() WorkerInfo { return NewWorkerInfo("v") }
	require.Error(t, b.reg.Run(ctx, time.Second, time.Second, snap), "TTL must exceed the interval")
	require.Error(t, b.reg.Run(ctx, 0, time.Second, snap))
	require.Error(t, b.reg.Run(ctx, time.Second, 3*time.Second, func() WorkerInfo { return WorkerInfo{} }))
	require.Error(t, b.reg.Publish(ctx, WorkerInfo{}, time.Minute))
	require.Error(t, b.reg.Publish(ctx, NewWorkerInfo("v"), 0))
}

func TestRedisDownIsAnError(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	reg := New(rdb, "x", zerolog.Nop())
	_, err := reg.List(context.Background())
	require.Error(t, err)
	require.False(t, errors.Is(err, redis.Nil))
	require.Contains(t, err.Error(), "worker registry")
}

func TestNewWorkerID(t *testing.T) {
	t.Parallel()
	a, b := NewWorkerID("host", 7), NewWorkerID("host", 7)
	require.NotEqual(t, a, b)
	parts := strings.Split(a, ":")
	require.Len(t, parts, 3)
	require.Equal(t, []string{"host", "7"}, parts[:2])
	require.Len(t, parts[2], 8)
}
