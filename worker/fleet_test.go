package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
)

func testConfig(b *bed, queues ...QueueSpec) Config {
	return Config{Redis: b.redis, Prefix: b.prefix, Queues: queues, ShutdownGrace: 200 * time.Millisecond,
		Retry: RetryPolicy{Base: 50 * time.Millisecond, Max: 100 * time.Millisecond}, Log: zerolog.Nop()}
}

// TestPerQueueConcurrency observes the most tasks in flight per queue: never above its limit.
func TestPerQueueConcurrency(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	b.enqueueFaces(t, 24, "x.jpg")
	var cur, peak atomic.Int32
	h := Adapt(func(ctx context.Context, p *tasks.FacesPayload) error {
		n := cur.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		cur.Add(-1)
		return nil
	})
	f, err := New(testConfig(b, QueueSpec{Kind: tasks.Faces, Concurrency: 3, Handler: h}))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, f.Run(ctx, true))
	require.EqualValues(t, 3, peak.Load(), "max in flight must reach and never pass the queue's concurrency")
	info, err := b.insp.GetQueueInfo(tasks.QueueName(b.prefix, tasks.Faces))
	require.NoError(t, err)
	require.Equal(t, 24, info.Processed)
	require.Zero(t, info.Pending+info.Active+info.Retry)
}

// TestPermanentArchivedOthersGoOn: a bad payload and a permanent failure are archived with the
// reason; the other tasks complete and the worker keeps running.
func TestPermanentArchivedOthersGoOn(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	b.enqueueFaces(t, 3, "ok.jpg")
	bad := &tasks.FacesPayload{FrameRef: tasks.FrameRef{Asset: tasks.AssetRef{Key: tasks.AssetKey("", "/lib/bad.jpg", 0, 0), Path: "/lib/bad.jpg"}, Image: "/lib/bad.jpg", ModelVersion: "v1"}}
	task, err := asynqtask.New(bad, tasks.Options{Prefix: b.prefix})
	require.NoError(t, err)
	_, err = b.client.Enqueue(task)
	require.NoError(t, err)
	garbage := asynq.NewTask(tasks.Faces.TypeName(), []byte("{not json"), asynq.Queue(tasks.QueueName(b.prefix, tasks.Faces)))
	_, err = b.client.Enqueue(garbage)
	require.NoError(t, err)

	var done atomic.Int32
	h := Adapt(func(ctx context.Context, p *tasks.FacesPayload) error {
		if p.Image == "/lib/bad.jpg" {
			return Permanent(errors.New("/lib/bad.jpg: not a JPEG (starts with 'GIF8')"))
		}
		done.Add(1)
		return nil
	})
	f, err := New(testConfig(b, QueueSpec{Kind: tasks.Faces, Concurrency: 2, Handler: h}))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, f.Run(ctx, true))
	require.EqualValues(t, 3, done.Load())
	archived, err := b.insp.ListArchivedTasks(tasks.QueueName(b.prefix, tasks.Faces))
	require.NoError(t, err)
	require.Len(t, archived, 2)
	reasons := map[string]bool{}
	for _, a := range archived {
		reasons[a.LastErr] = true
	}
	require.True(t, reasons["/lib/bad.jpg: not a JPEG (starts with 'GIF8')"], "the reason is the handler's own words: %v", reasons)
	require.Contains(t, fmt.Sprint(reasons), "does not decode")
}

// TestTransientRetried: a transient failure is retried and then succeeds.
func TestTransientRetried(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	b.enqueueFaces(t, 2, "flaky.jpg")
	var mu sync.Mutex
	tries := map[string]int{}
	h := Adapt(func(ctx context.Context, p *tasks.FacesPayload) error {
		mu.Lock()
		defer mu.Unlock()
		tries[p.Asset.Key]++
		if tries[p.Asset.Key] < 3 {
			return errors.New("backend busy")
		}
		return nil
	})
	f, err := New(testConfig(b, QueueSpec{Kind: tasks.Faces, Concurrency: 2, Handler: h}))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, f.Run(ctx, true))
	require.Equal(t, map[string]int{keyOf(0): 3, keyOf(1): 3}, tries)
}

// TestShutdownRequeuesInFlight: tasks still running when the grace ends go back to the queue,
// and a second worker finishes every one of them: nothing is lost.
func TestShutdownRequeuesInFlight(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	ids := b.enqueueFaces(t, 6, "slow.jpg")
	var mu sync.Mutex
	finished := map[string]int{}
	started := make(chan struct{}, 100)
	slow := Adapt(func(ctx context.Context, p *tasks.FacesPayload) error {
		started <- struct{}{}
		select {
		case <-time.After(20 * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
		mu.Lock()
		finished[p.TaskID()]++
		mu.Unlock()
		return nil
	})
	f1, err := New(testConfig(b, QueueSpec{Kind: tasks.Faces, Concurrency: 3, Handler: slow}))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- f1.Run(ctx, false) }()
	for range 3 {
		<-started
	}
	cancel() // as SIGTERM does
	require.NoError(t, <-errc)
	require.Empty(t, finished)
	info, err := b.insp.GetQueueInfo(tasks.QueueName(b.prefix, tasks.Faces))
	require.NoError(t, err)
	require.Equal(t, 6, info.Pending, "the 3 interrupted tasks and the 3 never started are all back in the queue")

	fast := Adapt(func(ctx context.Context, p *tasks.FacesPayload) error {
		mu.Lock()
		finished[p.TaskID()]++
		mu.Unlock()
		return nil
	})
	f2, err := New(testConfig(b, QueueSpec{Kind: tasks.Faces, Concurrency: 3, Handler: fast}))
	require.NoError(t, err)
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	require.NoError(t, f2.Run(ctx2, true))
	for _, id := range ids {
		require.Equal(t, 1, finished[id], id)
	}
}

func TestNewRefusesQueueWithoutHandler(t *testing.T) {
	b := newBed(t)
	_, err := New(testConfig(b, QueueSpec{Kind: tasks.Captions, Concurrency: 1}))
	require.ErrorContains(t, err, "has no handler")
}
