package worker

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/tasks"
)

// trackLog is a TaskTracker that remembers what it was told.
type trackLog struct {
	mu      sync.Mutex
	running map[string]string
	seen    int
}

func (l *trackLog) Started(_ context.Context, queue, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.running[id] = queue
	l.seen++
}

func (l *trackLog) Finished(_, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.running, id)
}

// TestFenceStopsRunningTasksWithoutUsingRetries: a fenced worker cancels its running task,
// which goes back to its queue without using a retry, and starts no task until unfenced; the
// tracker saw the task start and finish.
func TestFenceStopsRunningTasksWithoutUsingRetries(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	id := b.enqueueOne(t, "held", 3, time.Minute)
	started := make(chan struct{}, 10)
	var mu sync.Mutex
	var causes []error
	h := Adapt(func(ctx context.Context, p *tasks.FacesPayload) error {
		started <- struct{}{}
		<-ctx.Done()
		mu.Lock()
		causes = append(causes, context.Cause(ctx))
		mu.Unlock()
		return ctx.Err()
	})
	tr := &trackLog{running: map[string]string{}}
	cfg := testConfig(b, QueueSpec{Kind: tasks.Faces, Concurrency: 1, Handler: h})
	cfg.Tracker = tr
	f, err := New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, false) }()
	t.Cleanup(func() { cancel(); <-done })

	<-started
	tr.mu.Lock()
	require.Equal(t, map[string]string{id: tasks.QueueName(b.prefix, tasks.Faces)}, tr.running)
	tr.mu.Unlock()
	f.Fence(true)
	queue := tasks.QueueName(b.prefix, tasks.Faces)
	require.Eventually(t, func() bool {
		info, err := b.insp.GetTaskInfo(queue, id)
		return err == nil && info.State != 0 && info.State.String() != "active" && info.LastErr != ""
	}, 20*time.Second, 50*time.Millisecond, "the fenced task left the worker")
	info, err := b.insp.GetTaskInfo(queue, id)
	require.NoError(t, err)
	require.Zero(t, info.Retried, "a fenced task does not use up a retry")
	require.Contains(t, info.LastErr, "lost its heartbeat")
	mu.Lock()
	require.True(t, errors.Is(causes[0], ErrFenced))
	mu.Unlock()
	tr.mu.Lock()
	require.Empty(t, tr.running)
	tr.mu.Unlock()

	f.Fence(false)
	select {
	case <-started: // the task comes back and runs again once the worker may run tasks
	case <-time.After(30 * time.Second):
		t.Fatal("the task never ran again after the fence was lifted")
	}
}
