package registry

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// BenchmarkList lists a fleet of 50 workers and reports the cost as a ratio to a baseline
// measured in the same run: one GET of one entry (a single round trip).
func BenchmarkList(b *testing.B) {
	ctx := context.Background()
	opt, err := redis.ParseURL(testenv.RedisURL(b))
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	reg := New(rdb, testenv.Prefix(b), zerolog.Nop())
	var ids []string
	for range 50 {
		w := NewWorkerInfo("bench")
		w.Queues = []QueueInfo{{Name: "faces", Concurrency: 4, Device: "cpu"}, {Name: "keyframes", Concurrency: 2, Device: "cpu"}}
		if err := reg.Publish(ctx, w, time.Minute); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, w.ID)
	}
	defer func() {
		for _, id := range ids {
			_ = reg.Remove(ctx, id)
		}
	}()
	var base time.Duration
	for b.Loop() {
		start := time.Now()
		if err := rdb.Get(ctx, reg.key(ids[0])).Err(); err != nil {
			b.Fatal(err)
		}
		base += time.Since(start)
		ws, err := reg.List(ctx)
		if err != nil || len(ws) != 50 {
			b.Fatalf("List: %d workers, %v", len(ws), err)
		}
	}
	list := b.Elapsed() - base
	b.ReportMetric(float64(list.Microseconds())/float64(b.N), "list_us/op")
	b.ReportMetric(float64(list)/float64(base), "x_single_get")
}
