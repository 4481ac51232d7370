package enqueuer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
)

// BenchmarkRedisBytesPerTask measures the Redis memory one waiting task of each kind takes
// (used_memory before and after 20,000 tasks, on a private Redis), with paths as a photo
// library has them. A backlog's Redis memory is this times the tasks waiting: what
// --max-pending bounds.
func BenchmarkRedisBytesPerTask(b *testing.B) {
	const n = 20000
	for _, kind := range tasks.AllKinds() {
		b.Run(string(kind), func(b *testing.B) {
			srv := testenv.StartRedis(b)
			rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", srv.Port)})
			defer rdb.Close()
			c := NewBatchClient(rdb)
			ctx := context.Background()
			var envs []tasks.Envelope
			for i := range n {
				a := catalog.Asset{Path: fmt.Sprintf("/mnt/photos/2019/2019-07 Holidays in Brittany/IMG_%05d.jpg", i),
					Media: catalog.Image, Size: 3_500_000 + int64(i), ModTime: time.Unix(1_560_000_000+int64(i), 0)}
				if kind == tasks.Keyframes {
					a.Path, a.Media = a.Path[:len(a.Path)-4]+".mp4", catalog.Video
				}
				e, err := tasks.Seal(payloadFor(kind, a, "v1-0123456789ab"), tasks.Options{Prefix: "mem", MaxRetry: 10})
				if err != nil {
					b.Fatal(err)
				}
				envs = append(envs, e)
			}
			var perTask float64
			for range b.N {
				if err := rdb.FlushDB(ctx).Err(); err != nil { // a private Redis
					b.Fatal(err)
				}
				m0, err := c.Memory(ctx)
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; i < n; i += 64 {
					for _, err := range c.Send(ctx, envs[i:min(i+64, n)]) {
						if err != nil {
							b.Fatal(err)
						}
					}
				}
				m1, err := c.Memory(ctx)
				if err != nil {
					b.Fatal(err)
				}
				perTask = float64(m1.Used-m0.Used) / n
			}
			b.ReportMetric(perTask, "redis_bytes/task")
			b.ReportMetric(perTask*1e6/(1<<20), "MiB_per_1M_tasks")
		})
	}
}
