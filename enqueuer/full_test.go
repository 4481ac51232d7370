package enqueuer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
)

// smallRedis starts a private Redis of 3 MiB, about 1,500 waiting tasks.
func smallRedis(t *testing.T) *bed {
	t.Helper()
	srv := testenv.StartRedis(t, "--maxmemory", "3mb", "--maxmemory-policy", "noeviction")
	opt, err := redisconn.ParseRedisURL(srv.URL())
	require.NoError(t, err)
	rdb, err := redisconn.RedisClient(srv.URL())
	require.NoError(t, err)
	f := &bed{prefix: "small", client: asynq.NewClient(opt), batch: NewBatchClient(rdb), insp: asynq.NewInspector(opt), redisOpt: opt}
	t.Cleanup(func() { rdb.Close(); f.client.Close(); f.insp.Close() })
	return f
}

// TestRedisFullStopsWithOneSentence: the first out-of-memory answer stops the enqueue with
// one sentence that says how many tasks went in, Redis's memory, and what to do; no error is
// repeated and no task is counted as an error.
func TestRedisFullStopsWithOneSentence(t *testing.T) {
	t.Parallel()
	f := smallRedis(t)
	o := f.options(tasks.Faces)
	o.KeepFree = -1 // no reserve: run into Redis's own refusal
	e, err := New(f.batch, doneSet{}, o)
	require.NoError(t, err)
	s, err := e.Run(context.Background(), library(20000, 0))
	require.Error(t, err)
	var full *RedisFullError
	require.True(t, errors.As(err, &full), "%v", err)
	require.Greater(t, s.Enqueued, 100)
	require.Less(t, s.Enqueued, 20000)
	require.Equal(t, s.Enqueued, full.Enqueued)
	require.Equal(t, s.Enqueued, f.size(t, tasks.Faces), "every task counted as enqueued is in Redis")
	require.Zero(t, s.Errors, "tasks not sent after Redis filled up are no errors")
	msg := err.Error()
	require.Contains(t, msg, "Redis is full (used ")
	require.Contains(t, msg, "of maxmemory 3.0 MiB")
	require.Contains(t, msg, "--max-pending")
	require.Equal(t, 1, strings.Count(msg, "OOM")+strings.Count(msg, "Redis is full"), "one sentence: %s", msg)
	require.Less(t, s.Assets, 20000, "the catalog was read no further once Redis was full")
}

// TestEnqueueKeepsRoomForTheWorkers: by default an enqueue stops short of maxmemory, with the
// same kind of sentence, so the workers can still take and finish the queued tasks (a Redis at
// its limit refuses asynq's dequeue script too).
func TestEnqueueKeepsRoomForTheWorkers(t *testing.T) {
	t.Parallel()
	f := smallRedis(t)
	e, err := New(f.batch, doneSet{}, f.options(tasks.Faces))
	require.NoError(t, err)
	s, err := e.Run(context.Background(), library(20000, 0))
	var full *RedisFullError
	require.True(t, errors.As(err, &full), "%v", err)
	require.Nil(t, full.Err, "stopped before Redis refused anything")
	require.Contains(t, err.Error(), "Redis is nearly full (used ")
	require.Contains(t, err.Error(), "1.0 MiB kept free for the workers")
	require.Equal(t, s.Enqueued, f.size(t, tasks.Faces))

	queue := tasks.QueueName(f.prefix, tasks.Faces)
	srv := asynq.NewServer(f.redisOpt, asynq.Config{Concurrency: 4, Queues: map[string]int{queue: 1}, LogLevel: asynq.FatalLevel})
	mux := asynq.NewServeMux()
	mux.HandleFunc(tasks.Faces.TypeName(), func(context.Context, *asynq.Task) error { return nil })
	require.NoError(t, srv.Start(mux))
	defer srv.Shutdown()
	require.Eventually(t, func() bool {
		info, err := f.insp.GetQueueInfo(queue)
		return err == nil && info.Size == 0 && info.Processed == s.Enqueued
	}, 2*time.Minute, 20*time.Millisecond, "the workers drain a Redis the enqueue stopped filling")
}
