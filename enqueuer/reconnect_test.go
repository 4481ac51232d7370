package enqueuer

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
)

// pausedSource yields its first half, calls between (which kills Redis), then yields the rest.
type pausedSource struct {
	assets  sliceSource
	between func()
}

func (p pausedSource) Name() string { return "paused" }
func (p pausedSource) Scan(ctx context.Context, yield func(catalog.Asset) error) (catalog.ScanStats, error) {
	var st catalog.ScanStats
	for i, a := range p.assets {
		if i == len(p.assets)/2 {
			p.between()
		}
		st.Seen++
		if err := yield(a); err != nil {
			return st, err
		}
	}
	return st, nil
}

// TestEnqueueWaitsForRedisRestart: Redis is killed in the middle of an enqueue and started
// again; the batches that met it down are sent again until it answers, and every task goes in
// once, none counted as an error.
func TestEnqueueWaitsForRedisRestart(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	rdb, err := redisconn.RedisClient(srv.URL())
	require.NoError(t, err)
	t.Cleanup(func() { rdb.Close() })
	f := &fixture{prefix: testenv.Prefix(t)}
	o := f.options(tasks.Faces)
	o.RedisWait, o.Poll, o.KeepFree, o.Workers = time.Minute, 20*time.Millisecond, -1, 2
	restarted := make(chan struct{})
	src := pausedSource{assets: library(2000, 0), between: func() {
		srv.Kill()
		go func() {
			defer close(restarted)
			time.Sleep(5 * time.Second) // down longer than go-redis retries by itself
			srv.Restart(t)
		}()
	}}
	e, err := New(NewBatchClient(rdb), doneSet{}, o)
	require.NoError(t, err)
	s, err := e.Run(context.Background(), src)
	<-restarted
	require.NoError(t, err)
	require.Zero(t, s.Errors, "%v", s.ErrorSamples)
	require.Equal(t, 2000, s.Enqueued+s.AlreadyQueued)

	opt, err := redisconn.ParseRedisURL(srv.URL())
	require.NoError(t, err)
	insp := asynq.NewInspector(opt)
	t.Cleanup(func() { insp.Close() })
	info, err := insp.GetQueueInfo(tasks.QueueName(f.prefix, tasks.Faces))
	require.NoError(t, err)
	require.Equal(t, 2000, info.Size, "every task is in Redis once")
}
