package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
)

// syncBuffer is a log sink that tasks write to from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the log lines that contain every one of parts.
func (s *syncBuffer) lines(parts ...string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range strings.Split(s.b.String(), "\n") {
		ok := l != ""
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

// enqueueOne queues one faces task for /lib/<name>.jpg with the given retries and timeout.
func (b *bed) enqueueOne(t *testing.T, name string, maxRetry int, timeout time.Duration) string {
	t.Helper()
	path := "/lib/" + name + ".jpg"
	p := &tasks.FacesPayload{FrameRef: tasks.FrameRef{
		Asset: tasks.AssetRef{Key: tasks.AssetKey("", path, 0, 0), Path: path}, Image: path, ModelVersion: "v1"}}
	task, err := asynqtask.New(p, tasks.Options{Prefix: b.prefix, MaxRetry: maxRetry, Timeout: timeout})
	require.NoError(t, err)
	_, err = b.client.Enqueue(task)
	require.NoError(t, err)
	return p.TaskID()
}

// drain runs a faces-only fleet with handler h until the queue is empty, logging into a buffer.
func (b *bed) drain(t *testing.T, h func(context.Context, *tasks.FacesPayload) error) *syncBuffer {
	t.Helper()
	logs := &syncBuffer{}
	cfg := testConfig(b, QueueSpec{Kind: tasks.Faces, Concurrency: 2, Handler: Adapt(h)})
	cfg.Log = zerolog.New(logs)
	f, err := New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, f.Run(ctx, true))
	return logs
}

// archivedReasons maps each archived faces task's id to the reason it shows.
func (b *bed) archivedReasons(t *testing.T) map[string]string {
	t.Helper()
	list, err := b.insp.ListArchivedTasks(tasks.QueueName(b.prefix, tasks.Faces))
	require.NoError(t, err)
	out := map[string]string{}
	for _, a := range list {
		out[a.ID] = a.LastErr
	}
	return out
}

// TestMaxRetryZeroMeansNoRetry: a task with max_retry 0 that fails transiently runs once and
// is archived, with one line of ours giving the reason and none of asynq's "Retry exhausted".
func TestMaxRetryZeroMeansNoRetry(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	id := b.enqueueOne(t, "k0", 0, time.Minute)
	var runs atomic.Int32
	logs := b.drain(t, func(ctx context.Context, p *tasks.FacesPayload) error {
		runs.Add(1)
		return errors.New("caption backend refused the connection")
	})
	require.EqualValues(t, 1, runs.Load(), "max_retry 0: no retry")
	require.Equal(t, map[string]string{id: "caption backend refused the connection"}, b.archivedReasons(t))
	ours := logs.lines("task archived", "caption backend refused the connection", "/lib/k0.jpg")
	require.Len(t, ours, 1, "one line of ours per archived task")
	require.Empty(t, logs.lines(`"level":"warn"`, "Retry exhausted"), "asynq's own line is not shown")
}

// TestTimeoutRetriedOnceThenArchivedWithLimit: a task that always runs past its timeout runs
// twice (first run and one retry, though max_retry allows more), then is archived with a
// reason that names the file and the limit.
func TestTimeoutRetriedOnceThenArchivedWithLimit(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	id := b.enqueueOne(t, "slow", 5, 2*time.Second)
	var runs atomic.Int32
	logs := b.drain(t, func(ctx context.Context, p *tasks.FacesPayload) error {
		runs.Add(1)
		<-ctx.Done()
		return fmt.Errorf("detecting faces in %s: %w", p.Image, ctx.Err())
	})
	require.EqualValues(t, 2, runs.Load(), "one retry after the first timeout, then no more")
	reason := b.archivedReasons(t)[id]
	require.Contains(t, reason, "/lib/slow.jpg")
	require.Contains(t, reason, "timed out after 2s")
	require.NotContains(t, reason, "context deadline exceeded")
	require.Len(t, logs.lines("task archived", "timed out after 2s"), 1)
	require.Empty(t, logs.lines("interrupted"), "a timeout is not a stop of the worker")
}

// TestTaskLargerThanGPUArchived: ErrTaskExceedsGPU is permanent: one run, archived.
func TestTaskLargerThanGPUArchived(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	id := b.enqueueOne(t, "big", 5, time.Minute)
	var runs atomic.Int32
	b.drain(t, func(ctx context.Context, p *tasks.FacesPayload) error {
		runs.Add(1)
		return fmt.Errorf("%w: a task needs 40960 MiB, GPU 0 has 16128 MiB usable", gpu.ErrTaskExceedsGPU)
	})
	require.EqualValues(t, 1, runs.Load())
	require.Contains(t, b.archivedReasons(t)[id], "needs more memory than the GPU has")
}

// TestLostSessionStopsQueue: when a faces run reports that its session could not be rebuilt,
// the worker stops serving faces (says why, in Stopped), the task goes back to its queue
// unharmed, and the other queue drains.
func TestLostSessionStopsQueue(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	ids := b.enqueueFaces(t, 3, "x.jpg")
	for i := range 4 {
		p := &tasks.CaptionsPayload{FrameRef: tasks.FrameRef{
			Asset: tasks.AssetRef{Key: tasks.AssetKey("", fmt.Sprintf("/lib/c%d.jpg", i), 0, 0), Path: fmt.Sprintf("/lib/c%d.jpg", i)},
			Image: fmt.Sprintf("/lib/c%d.jpg", i), ModelVersion: "v1"}}
		task, err := asynqtask.New(p, tasks.Options{Prefix: b.prefix, MaxRetry: 3})
		require.NoError(t, err)
		_, err = b.client.Enqueue(task)
		require.NoError(t, err)
	}
	var facesRuns, captionRuns atomic.Int32
	faces := Adapt(func(ctx context.Context, p *tasks.FacesPayload) error {
		facesRuns.Add(1)
		return fmt.Errorf("faces %s: %w after a GPU out-of-memory failure: cudaMalloc failed", p.Image, gpu.ErrSessionLost)
	})
	captions := Adapt(func(ctx context.Context, p *tasks.CaptionsPayload) error {
		captionRuns.Add(1)
		return nil
	})
	logs := &syncBuffer{}
	cfg := testConfig(b, QueueSpec{Kind: tasks.Faces, Concurrency: 1, Handler: faces},
		QueueSpec{Kind: tasks.Captions, Concurrency: 1, Handler: captions})
	cfg.Log = zerolog.New(logs)
	f, err := New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, f.Run(ctx, true))

	facesQ := tasks.QueueName(b.prefix, tasks.Faces)
	require.EqualValues(t, 1, facesRuns.Load(), "no faces task after the session was lost")
	require.EqualValues(t, 4, captionRuns.Load(), "the other queue drains")
	require.Contains(t, f.Stopped()[facesQ], "could not be rebuilt")
	require.Len(t, logs.lines(`"level":"error"`, "stops serving the queue", facesQ), 1)
	info, err := b.insp.GetQueueInfo(facesQ)
	require.NoError(t, err)
	require.Zero(t, info.Archived, "the task is not archived: another worker can run it")
	require.Equal(t, len(ids), info.Pending+info.Retry, "every faces task is still there for the rest of the fleet")
	for _, id := range ids {
		ti, err := b.insp.GetTaskInfo(facesQ, id)
		require.NoError(t, err)
		require.Zero(t, ti.Retried, "a lost session does not use up the task's retries")
	}
}
