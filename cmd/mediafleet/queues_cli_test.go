package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
)

// queueBed gives a CLI test an Inspector and a Client on its env's Redis and prefix.
type queueBed struct {
	*bed
	opt    asynq.RedisConnOpt
	insp   *asynq.Inspector
	client *asynq.Client
}

func newQueueBed(t *testing.T) *queueBed {
	t.Helper()
	e := newBed(t)
	opt, err := redisconn.ParseRedisURL(e.redis)
	require.NoError(t, err)
	b := &queueBed{bed: e, opt: opt, insp: asynq.NewInspector(opt), client: asynq.NewClient(opt)}
	t.Cleanup(func() {
		for _, k := range tasks.AllKinds() {
			_ = b.insp.UnpauseQueue(tasks.QueueName(e.prefix, k))
		}
		b.client.Close()
		b.insp.Close()
	})
	return b
}

func (b *queueBed) queue(k tasks.Kind) string { return tasks.QueueName(b.prefix, k) }

// enqueue adds n real tasks of kind k and returns their ids.
func (b *queueBed) enqueue(k tasks.Kind, n int) []string {
	b.t.Helper()
	var ids []string
	for i := range n {
		path := fmt.Sprintf("%s/%s-%d.mp4", b.lib, k, i)
		asset := tasks.AssetRef{Key: tasks.AssetKey("", path, int64(i), 1), Path: path}
		var p tasks.Payload = &tasks.KeyframesPayload{Asset: asset, ModelVersion: "kf1"}
		fr := tasks.FrameRef{Asset: asset, Frame: 1, Image: path + ".jpg", ModelVersion: "m1"}
		switch k {
		case tasks.Faces:
			p = &tasks.FacesPayload{FrameRef: fr}
		case tasks.Captions:
			p = &tasks.CaptionsPayload{FrameRef: fr}
		}
		task, err := asynqtask.New(p, tasks.Options{Prefix: b.prefix})
		require.NoError(b.t, err)
		info, err := b.client.Enqueue(task)
		require.NoError(b.t, err)
		ids = append(ids, info.ID)
	}
	return ids
}

// archive enqueues n tasks of kind k and moves them to archived.
func (b *queueBed) archive(k tasks.Kind, n int) {
	b.t.Helper()
	for _, id := range b.enqueue(k, n) {
		require.NoError(b.t, b.insp.ArchiveTask(b.queue(k), id))
	}
}

func (b *queueBed) info(k tasks.Kind) *asynq.QueueInfo {
	b.t.Helper()
	info, err := b.insp.GetQueueInfo(b.queue(k))
	require.NoError(b.t, err)
	return info
}

func TestQueuesCLIPauseResumeList(t *testing.T) {
	t.Parallel()
	b := newQueueBed(t)
	faces := b.queue(tasks.Faces)
	b.enqueue(tasks.Faces, 2)

	require.Contains(t, b.must("queues", "pause", "faces"), "paused "+faces)
	require.True(t, b.info(tasks.Faces).Paused)
	require.Contains(t, b.must("queues", "pause", "faces"), "already paused")

	var list struct {
		Queues []struct {
			Queue   string `json:"queue"`
			Kind    string `json:"kind"`
			Exists  bool   `json:"exists"`
			Paused  bool   `json:"paused"`
			Pending int    `json:"pending"`
		} `json:"queues"`
	}
	b.json(&list, "queues", "list")
	require.Len(t, list.Queues, 4, "keyframes, faces, captions, persons")
	for _, q := range list.Queues {
		if q.Kind == "faces" {
			require.Equal(t, faces, q.Queue)
			require.True(t, q.Exists)
			require.True(t, q.Paused)
			require.Equal(t, 2, q.Pending)
		} else {
			require.False(t, q.Exists, q.Queue)
		}
	}
	out := b.must("queues", "list")
	require.Regexp(t, faces+`\s+paused\s+2\s`, out)

	// A full queue name works as well as a bare kind.
	require.Contains(t, b.must("queues", "resume", faces), "resumed "+faces)
	require.False(t, b.info(tasks.Faces).Paused)
	require.Contains(t, b.must("queues", "resume", "faces"), "was not paused")

	_, stderr, err := b.run("queues", "pause", "thumbnails")
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit))
	require.Equal(t, 2, exit.ExitCode())
	require.Contains(t, stderr, `no queue "thumbnails"`)
}

func TestQueuesCLIRetryAndPurgeArchived(t *testing.T) {
	t.Parallel()
	b := newQueueBed(t)
	kf := b.queue(tasks.Keyframes)
	b.archive(tasks.Keyframes, 4)
	require.Equal(t, 4, b.info(tasks.Keyframes).Archived)

	// The keyframes queue carries keyframes tasks only: asking for faces is refused.
	_, stderr, err := b.run("queues", "retry-archived", "keyframes", "--kind", "faces")
	require.Error(t, err)
	require.Contains(t, stderr, "carries keyframes tasks only")
	require.Equal(t, 4, b.info(tasks.Keyframes).Archived)

	require.Contains(t, b.must("queues", "retry-archived", "keyframes", "--kind", "keyframes"),
		"moved 4 archived keyframes tasks of "+kf+" back to pending")
	info := b.info(tasks.Keyframes)
	require.Equal(t, 0, info.Archived)
	require.Equal(t, 4, info.Pending)

	b.archive(tasks.Captions, 2)
	require.Contains(t, b.must("queues", "retry-archived", "captions"), "moved 2 archived tasks")
	require.Equal(t, 2, b.info(tasks.Captions).Pending)

	b.archive(tasks.Faces, 3)
	require.Contains(t, b.must("queues", "purge-archived", "faces"), "deleted 3 archived tasks of "+b.queue(tasks.Faces))
	info = b.info(tasks.Faces)
	require.Equal(t, 0, info.Archived)
	require.Equal(t, 0, info.Pending)
}

func TestQueuesCLIDrainWaitsForActiveTasks(t *testing.T) {
	t.Parallel()
	b := newQueueBed(t)
	faces := b.queue(tasks.Faces)
	started := make(chan struct{}, 8)
	release := make(chan struct{})
	srv := asynq.NewServer(b.opt, asynq.Config{Queues: map[string]int{faces: 1}, Concurrency: 1, LogLevel: asynq.FatalLevel})
	require.NoError(t, srv.Start(asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})))
	released := false
	t.Cleanup(func() {
		if !released {
			close(release)
		}
		srv.Shutdown()
	})
	b.enqueue(tasks.Faces, 3)
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("the worker never took a task")
	}

	cmd := exec.Command(binary, "queues", "drain", "faces", "--poll", "50ms")
	cmd.Env = b.environ()
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(stdout)
	var out strings.Builder
	for lines.Scan() {
		out.WriteString(lines.Text() + "\n")
		if strings.Contains(lines.Text(), faces+": 1 active, 2 pending") {
			break
		}
	}
	require.Contains(t, out.String(), faces+": 1 active", "drain output:\n%s\nstderr: %s", out.String(), stderr.String())
	// Still waiting on the running task, and the queue is paused already.
	require.True(t, b.info(tasks.Faces).Paused)

	close(release)
	released = true
	for lines.Scan() {
		out.WriteString(lines.Text() + "\n")
	}
	require.NoError(t, cmd.Wait(), "drain output:\n%s\nstderr: %s", out.String(), stderr.String())
	require.Contains(t, out.String(), "drained "+faces)
	info := b.info(tasks.Faces)
	require.True(t, info.Paused)
	require.Equal(t, 0, info.Active)
	require.Equal(t, 2, info.Pending, "a paused queue gives its worker no new task")
	require.Len(t, started, 0, "no second task started")

	// Draining an idle queue returns at once.
	require.Contains(t, b.must("queues", "drain", "keyframes"), "drained "+b.queue(tasks.Keyframes))
}
