package worker

import (
	"context"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/enqueuer"
	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/inference/captions"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/keyframes"
	"github.com/mediafleet/mediafleet/internal/asynqwire"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker/registry"
	"github.com/mediafleet/mediafleet/worker/stats"
)

// drainTasks and drainConcurrency are the size of one drain and the servers' concurrency;
// drainPairs is how many pairs of drains one iteration runs.
const (
	drainTasks       = 5000
	drainConcurrency = 16
	drainPairs       = 3
)

// BenchmarkDrain drains drainTasks no-op faces tasks through a mediafleet worker as the worker
// command wires it (the typed adapter decoding and validating each payload, the middleware's
// logger and error mapping, buffered throughput stats in Redis, Prometheus metrics, the registry's
// heartbeat) and through a bare asynq.Server with a no-op handler, with the same concurrency on
// the same Redis, in turns. "x_vs_bare" is mediafleet's throughput over the bare server's, the
// median over the pairs of drains (goal at least 0.9).
func BenchmarkDrain(b *testing.B) {
	bu := newBed(b)
	opt, err := redis.ParseURL(testenv.RedisURL(b))
	require.NoError(b, err)
	rdb := redis.NewClient(opt)
	b.Cleanup(func() { rdb.Close() })
	batch := enqueuer.NewBatchClient(rdb)
	log := zerolog.New(io.Discard).Level(zerolog.InfoLevel) // lines formatted as in production

	var ours, bare time.Duration
	ratios := make([]float64, 0, drainPairs*b.N)
	for i := range drainPairs * b.N {
		var o, r time.Duration
		runOurs := func() {
			prefix := fmt.Sprintf("%s-ours%d", bu.prefix, i)
			fill(b, batch, prefix)
			o = drainWith(b, rdb, prefix, func(ctx context.Context) {
				oursDrain(ctx, b, bu.redis, rdb, prefix, log)
			})
		}
		runBare := func() {
			prefix := fmt.Sprintf("%s-bare%d", bu.prefix, i)
			fill(b, batch, prefix)
			r = drainWith(b, rdb, prefix, func(ctx context.Context) { bareDrain(ctx, b, bu.redis, prefix) })
		}
		if i%2 == 0 { // turns, so neither always meets a warmer Redis
			runBare()
			runOurs()
		} else {
			runOurs()
			runBare()
		}
		ours, bare = ours+o, bare+r
		ratios = append(ratios, r.Seconds()/o.Seconds())
	}
	perSec := func(d time.Duration) float64 { return float64(drainTasks*drainPairs*b.N) / d.Seconds() }
	b.ReportMetric(perSec(ours), "tasks/s")
	b.ReportMetric(perSec(bare), "bare_tasks/s")
	// The median of each pair's ratio: a pair runs back to back, so a burst of load from
	// elsewhere on the machine moves one pair, not the figure.
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "x_vs_bare")
}

// fill enqueues drainTasks faces tasks under prefix, outside the timer.
func fill(b *testing.B, c *enqueuer.BatchClient, prefix string) {
	b.StopTimer()
	defer b.StartTimer()
	envs := make([]tasks.Envelope, 0, 500)
	send := func() {
		for _, err := range c.Send(context.Background(), envs) {
			require.NoError(b, err)
		}
		envs = envs[:0]
	}
	for i := range drainTasks {
		p := &tasks.FacesPayload{FrameRef: tasks.FrameRef{
			Asset: tasks.AssetRef{Key: keyOf(i), Path: fmt.Sprintf("/lib/%05d.jpg", i), Size: 1, MTime: 1},
			Image: fmt.Sprintf("/lib/%05d.jpg", i), ModelVersion: "bench",
		}}
		env, err := tasks.Seal(p, tasks.Options{Prefix: prefix})
		require.NoError(b, err)
		if envs = append(envs, env); len(envs) == cap(envs) {
			send()
		}
	}
	send()
}

// drainWith runs serve until the faces queue under prefix has nothing pending or active, and
// returns how long that took; the queue is deleted after.
func drainWith(b *testing.B, rdb *redis.Client, prefix string, serve func(context.Context)) time.Duration {
	queue := tasks.QueueName(prefix, tasks.Faces)
	lists := asynqwire.QueueLists(queue)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() { defer close(done); serve(ctx) }()
	for {
		pipe := rdb.Pipeline()
		p, a := pipe.LLen(ctx, lists.Pending), pipe.LLen(ctx, lists.Active)
		_, err := pipe.Exec(ctx)
		require.NoError(b, err)
		if p.Val() == 0 && a.Val() == 0 {
			break
		}
		time.Sleep(2 * time.Millisecond) // sampling the queue, not waiting for a result
	}
	took := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	keys, _ := rdb.Keys(context.Background(), asynqwire.QueuePrefix(queue)+"*").Result()
	tallies, _ := rdb.Keys(context.Background(), "mediafleet:stats:{"+queue+"}:*").Result()
	if keys = append(keys, tallies...); len(keys) > 0 {
		rdb.Del(context.Background(), keys...)
	}
	rdb.SRem(context.Background(), asynqwire.QueuesKey, queue)
	b.StartTimer()
	return took
}

// oursDrain serves the queue as `mediafleet worker` does, with a handler that does nothing.
func oursDrain(ctx context.Context, b *testing.B, opt asynq.RedisConnOpt, rdb *redis.Client, prefix string, log zerolog.Logger) {
	var fl *Fleet
	metrics := NewMetrics(func() map[string]int {
		if fl == nil {
			return nil
		}
		return fl.InFlight()
	}, nil, gpu.DeviceInfo{})
	h := Adapt(func(context.Context, *tasks.FacesPayload) error { return nil })
	fl, err := New(Config{Redis: opt, Prefix: prefix, ShutdownGrace: 5 * time.Second,
		Queues:    []QueueSpec{{Kind: tasks.Faces, Concurrency: drainConcurrency, Handler: h}},
		Permanent: []Classifier{keyframes.IsPermanent, faces.IsPermanent, captions.IsPermanent, store.IsPermanent},
		Log:       log, Stats: stats.NewBuffered(rdb, nil, time.Second), Observe: metrics.Observe})
	require.NoError(b, err)
	reg := registry.New(rdb, prefix, log)
	info := registry.NewWorkerInfo("bench")
	regDone := make(chan struct{})
	go func() {
		defer close(regDone)
		_ = reg.Run(ctx, time.Second, 3*time.Second, func() registry.WorkerInfo {
			in := info
			in.Queues = []registry.QueueInfo{{Name: tasks.QueueName(prefix, tasks.Faces), Concurrency: drainConcurrency,
				InFlight: fl.InFlight()[tasks.QueueName(prefix, tasks.Faces)]}}
			return in
		})
	}()
	require.NoError(b, fl.Run(ctx, false))
	<-regDone
}

// bareDrain serves the queue with a bare asynq.Server and a no-op handler.
func bareDrain(ctx context.Context, b *testing.B, opt asynq.RedisConnOpt, prefix string) {
	srv := asynq.NewServer(opt, asynq.Config{Concurrency: drainConcurrency,
		Queues: map[string]int{tasks.QueueName(prefix, tasks.Faces): 1}, LogLevel: asynq.FatalLevel})
	mux := asynq.NewServeMux()
	mux.HandleFunc(tasks.Faces.TypeName(), func(context.Context, *asynq.Task) error { return nil })
	require.NoError(b, srv.Start(mux))
	<-ctx.Done()
	srv.Shutdown()
}
