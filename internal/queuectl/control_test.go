package queuectl_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/queuectl"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
)

func (b *bed) archive(t *testing.T, queue string, k tasks.Kind, n int) {
	t.Helper()
	for i := range n {
		path := fmt.Sprintf("/library/%s-%d.jpg", k, i)
		p := tasks.FrameRef{Asset: tasks.AssetRef{Key: tasks.AssetKey("", path, 1, 1), Path: path}, Image: path, ModelVersion: "m1"}
		var pl tasks.Payload = &tasks.FacesPayload{FrameRef: p}
		if k == tasks.Captions {
			pl = &tasks.CaptionsPayload{FrameRef: p}
		}
		task, err := asynqtask.New(pl, tasks.Options{Prefix: b.prefix})
		require.NoError(t, err)
		info, err := b.client.Enqueue(task, asynq.Queue(queue))
		require.NoError(t, err)
		require.NoError(t, b.insp.ArchiveTask(queue, info.ID))
	}
}

func TestQueuesControlResolve(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	ctx := t.Context()
	q, err := b.ctl.Resolve(ctx, "Faces")
	require.NoError(t, err)
	require.Equal(t, b.prefix+":faces", q)
	q, err = b.ctl.Resolve(ctx, b.prefix+":captions")
	require.NoError(t, err)
	require.Equal(t, b.prefix+":captions", q)
	_, err = b.ctl.Resolve(ctx, b.prefix+":nope")
	require.ErrorContains(t, err, "no queue")
	require.ErrorContains(t, err, "keyframes, faces, captions")
}

// A queue outside the fleet's naming may hold tasks of several kinds: --kind picks by type.
func TestQueuesControlRetryArchivedOfOneKind(t *testing.T) {
	t.Parallel()
	mixed := testenv.Prefix(t) + "-mixed"
	b := newBed(t, mixed)
	b.archive(t, mixed, tasks.Faces, 3)
	b.archive(t, mixed, tasks.Captions, 2)
	n, err := b.ctl.RetryArchived(t.Context(), mixed, "faces")
	require.NoError(t, err)
	require.Equal(t, 3, n)
	info, err := b.insp.GetQueueInfo(mixed)
	require.NoError(t, err)
	require.Equal(t, 3, info.Pending)
	require.Equal(t, 2, info.Archived)
	left, err := b.insp.ListArchivedTasks(mixed)
	require.NoError(t, err)
	for _, ti := range left {
		require.Equal(t, tasks.Captions.TypeName(), ti.Type)
	}

	// The fleet's faces queue carries faces tasks only: asking it for captions is a mistake.
	_, err = b.ctl.RetryArchived(t.Context(), b.prefix+":faces", "captions")
	require.ErrorContains(t, err, "carries faces tasks only")
	_, err = b.ctl.RetryArchived(t.Context(), mixed, "thumbnails")
	require.ErrorContains(t, err, "unknown task kind")

	// Queues nothing was enqueued to have nothing archived.
	n, err = b.ctl.RetryArchived(t.Context(), b.prefix+":keyframes", "")
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = b.ctl.PurgeArchived(t.Context(), b.prefix+":keyframes")
	require.NoError(t, err)
	require.Zero(t, n)
}

// A drain that cannot finish (a task that never ends) stops when its context does, leaving
// the queue paused.
func TestQueuesControlDrainStopsWithItsContext(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	q := b.prefix + ":keyframes"
	release := make(chan struct{})
	srv := asynq.NewServer(b.opt, asynq.Config{Queues: map[string]int{q: 1}, Concurrency: 1, LogLevel: asynq.FatalLevel})
	require.NoError(t, srv.Start(asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})))
	t.Cleanup(func() { close(release); srv.Shutdown() })
	task, err := asynqtask.New(&tasks.KeyframesPayload{Asset: tasks.AssetRef{Key: "h0123456789abcdef0123", Path: "/library/v.mp4"}, ModelVersion: "kf1"}, tasks.Options{Prefix: b.prefix})
	require.NoError(t, err)
	_, err = b.client.Enqueue(task)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		s, err := b.ctl.State(t.Context(), q)
		return err == nil && s.Active == 1
	}, 20*time.Second, 20*time.Millisecond, "the worker never took the task")

	ctx, cancel := context.WithCancel(t.Context())
	readings := 0
	s, err := b.ctl.Drain(ctx, q, 10*time.Millisecond, func(s queuectl.State) {
		readings++
		require.Equal(t, 1, s.Active)
		if readings == 3 {
			cancel()
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 1, s.Active)
	require.True(t, s.Paused)
}
