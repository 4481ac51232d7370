package main

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/enqueuer"
	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
)

// smallLibrary links one small JPEG n times under dir: n photos of distinct paths.
func smallLibrary(t testing.TB, dir string, n int) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "tiny.jpg")
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.RGBA{A: 255})
	f, err := os.Create(src)
	require.NoError(t, err)
	require.NoError(t, jpeg.Encode(f, img, nil))
	require.NoError(t, f.Close())
	linkLibrary(t, src, dir, n)
}

// linkLibrary links src n times under dir as p00000.jpg, p00001.jpg, ...: n photos of
// distinct paths (and so distinct asset keys) for the price of one file.
func linkLibrary(t testing.TB, src, dir string, n int) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for i := range n {
		require.NoError(t, os.Link(src, filepath.Join(dir, fmt.Sprintf("p%05d.jpg", i))))
	}
}

// fullRedisBed is a private Redis of a few MiB with a fake VLM, for the backpressure tests.
type fullRedisBed struct {
	*bed
	srv   *testenv.RedisServer
	fake  *fakeVLM
	insp  *asynq.Inspector
	batch *enqueuer.BatchClient
	queue string
}

func newFullRedisBed(t *testing.T, maxmemory string) *fullRedisBed {
	e := newBed(t)
	srv := testenv.StartRedis(t, "--maxmemory", maxmemory, "--maxmemory-policy", "noeviction")
	e.redis, e.ownRedis = srv.URL(), true
	fake := &fakeVLM{}
	vlm := httptest.NewServer(fake)
	t.Cleanup(vlm.Close)
	e.extra = []string{"MEDIAFLEET_CAPTION_BACKEND=openai", "MEDIAFLEET_CAPTION_URL=" + vlm.URL, "MEDIAFLEET_CAPTION_MODEL=test-vlm"}
	opt, err := redisconn.ParseRedisURL(e.redis)
	require.NoError(t, err)
	rdb, err := redisconn.RedisClient(e.redis)
	require.NoError(t, err)
	b := &fullRedisBed{bed: e, srv: srv, fake: fake, insp: asynq.NewInspector(opt), batch: enqueuer.NewBatchClient(rdb),
		queue: tasks.QueueName(e.prefix, tasks.Captions)}
	t.Cleanup(func() { b.insp.Close(); rdb.Close() })
	return b
}

// startWorker runs a captions worker until the test stops it (SIGTERM, waited for).
func (b *fullRedisBed) startWorker(t *testing.T) (stop func()) {
	cmd := exec.Command(binary, "worker", "--queues", "captions=8")
	cmd.Env = append(b.environ(), b.extra...)
	require.NoError(t, cmd.Start())
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		})
	}
	t.Cleanup(stop)
	return stop
}

// drained waits until every captions task has run and n in all were processed.
func (b *fullRedisBed) drained(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		info, err := b.insp.GetQueueInfo(b.queue)
		return err == nil && info.Size == 0 && info.ProcessedTotal == n
	}, 5*time.Minute, 50*time.Millisecond, "waiting for %d captions tasks to run", n)
}

// TestMaxPendingDrainsACatalogLargerThanRedis: a catalog whose tasks would need several times
// the memory of a 4 MiB Redis is enqueued with --max-pending while a worker drains it: the
// enqueue completes, every task runs exactly once, and the backlog never passes the bound.
func TestMaxPendingDrainsACatalogLargerThanRedis(t *testing.T) {
	t.Parallel()
	const n, maxPending = 6000, 300
	b := newFullRedisBed(t, "4mb")
	smallLibrary(t, b.lib, n)

	var peakMu sync.Mutex
	peak := 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for ctx.Err() == nil {
			if waiting, _, err := b.batch.Backlog(ctx, b.queue); err == nil {
				peakMu.Lock()
				peak = max(peak, waiting)
				peakMu.Unlock()
			}
		}
	}()
	stop := b.startWorker(t)
	var s enqueueSummary
	b.json(&s, "enqueue", "--catalog", "dir:"+b.lib, "--kinds", "captions", "--max-pending", fmt.Sprint(maxPending))
	// A pipeline that go-redis sent again after a lost answer finds its own tasks there and
	// counts them as already queued: the two together are the catalog, and the fake server's
	// count below says each ran once.
	require.Equal(t, n, s.Enqueued+s.AlreadyQueued)
	b.drained(t, n)
	stop()
	cancel()
	<-watched

	require.LessOrEqual(t, peak, maxPending, "the backlog passed --max-pending")
	require.GreaterOrEqual(t, peak, maxPending*9/10, "the enqueue filled the queue up to the bound and waited there")
	require.EqualValues(t, n, b.fake.calls.Load(), "every caption asked for exactly once")
	info, err := b.insp.GetQueueInfo(b.queue)
	require.NoError(t, err)
	require.Zero(t, info.Archived+info.Retry)
}

// TestFullRedisStopsEnqueueOnceAndARunAfterTheDrainCompletes: without --max-pending, an
// enqueue that fills Redis stops with one sentence and a non-zero exit, short of maxmemory so
// the workers can still take tasks; after the fleet drains what went in, running it again
// enqueues the rest, nothing twice.
func TestFullRedisStopsEnqueueOnceAndARunAfterTheDrainCompletes(t *testing.T) {
	t.Parallel()
	b := newFullRedisBed(t, "4mb")
	// Size the catalog to about 1.3 times what this Redis holds below its reserve, so the
	// first run fills it and the second, after the drain, has room for the rest (a drained
	// Redis keeps about 0.9 MiB more than a fresh one: scripts, clients, counters).
	capacity := b.capacity(t)
	n := capacity * 13 / 10
	smallLibrary(t, b.lib, n)

	out, errOut, err := b.run("enqueue", "--catalog", "dir:"+b.lib, "--kinds", "captions")
	require.Error(t, err, "stdout: %s", out)
	require.Contains(t, errOut, "Redis is nearly full (used ")
	require.Contains(t, errOut, "maxmemory 4.0 MiB, 1.0 MiB kept free for the workers)")
	require.Contains(t, errOut, "--max-pending")
	require.NotContains(t, errOut, "OOM command not allowed", "one sentence of ours, not Redis's answers")
	first, err := b.insp.GetQueueInfo(b.queue)
	require.NoError(t, err)
	require.Greater(t, first.Pending, 0)
	require.Less(t, first.Pending, n)

	stop := b.startWorker(t)
	b.drained(t, first.Pending)
	stop()

	var s enqueueSummary
	b.json(&s, "enqueue", "--catalog", "dir:"+b.lib, "--kinds", "captions")
	require.Equal(t, n-first.Pending, s.Enqueued+s.AlreadyQueued, "the rest, and only the rest: the first part is in the store")
	require.Equal(t, first.Pending, s.AlreadyDone)
	b.startWorker(t)
	b.drained(t, n)
	require.EqualValues(t, n, b.fake.calls.Load(), "every caption asked for exactly once")
}

// capacity estimates how many captions tasks of this bed's catalog the Redis holds, from the
// memory a probe of 300 such tasks takes.
func (b *fullRedisBed) capacity(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	m0, err := b.batch.Memory(ctx)
	require.NoError(t, err)
	const probe = 300
	var envs []tasks.Envelope
	for i := range probe {
		path := filepath.Join(b.lib, fmt.Sprintf("p%05d.jpg", i))
		p := &tasks.CaptionsPayload{FrameRef: tasks.FrameRef{Asset: tasks.AssetRef{Key: tasks.AssetKey("", path, 1234, 1700000000),
			Path: path, Size: 1234, MTime: 1700000000, Mime: "image/jpeg"}, Image: path, ModelVersion: "probe-v1"}}
		env, err := tasks.Seal(p, tasks.Options{Prefix: b.prefix + "-probe"})
		require.NoError(t, err)
		envs = append(envs, env)
	}
	for _, err := range b.batch.Send(ctx, envs) {
		require.NoError(t, err)
	}
	m1, err := b.batch.Memory(ctx)
	require.NoError(t, err)
	require.NoError(t, b.insp.DeleteQueue(tasks.QueueName(b.prefix+"-probe", tasks.Captions), true))
	perTask := float64(m1.Used-m0.Used) / probe
	return int(float64(m0.Max-m0.Reserve()-m0.Used) / perTask)
}
