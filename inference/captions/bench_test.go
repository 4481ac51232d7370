package captions

import (
	"context"
	"image"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"golang.org/x/image/draw"
)

// chanLimiter is an in-process semaphore: the baseline the Redis semaphore is held against.
type chanLimiter chan struct{}

func (l chanLimiter) Acquire(ctx context.Context) (func(), error) {
	select {
	case l <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-l }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// drive makes n captions with par goroutines spread over cs and returns the achieved
// concurrency twice: throughput x the nominal latency, and the server's summed request time
// over the wall time (throughput x the latency it really served).
func drive(b *testing.B, f *fakeVLM, cs []Captioner, photo string, n, par int, latency time.Duration) (nominal, served float64) {
	var next atomic.Int64
	var wg sync.WaitGroup
	busy0 := f.busy.Load()
	start := time.Now()
	for g := range par {
		c := cs[g%len(cs)]
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if _, err := c.Caption(context.Background(), photo); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	return float64(n) / wall.Seconds() * latency.Seconds(), float64(f.busy.Load()-busy0) / float64(wall)
}

// BenchmarkFleetCap measures how fully three captioners sharing a Redis semaphore of cap C use
// their C slots against a server with a fixed 20 ms latency: achieved concurrency (throughput
// x latency) over C, and over what an in-process semaphore of the same cap achieves in the
// same run. "inflight" uses the latency the server really served (its summed request time
// over the wall time); "nominal-inflight/cap" uses the nominal 20 ms, so timer overshoot on
// a loaded machine counts against it.
func BenchmarkFleetCap(b *testing.B) {
	const limit, par, latency = 4, 32, 20 * time.Millisecond
	f := newFake(b, BackendOpenAI)
	f.delay, f.skipDecode = latency, true
	f.start(nil)
	photo, _, _ := scaledSample(b, "messi5.jpg", 64)
	small := func(c *Config) { c.MaxEdge, c.RetryEdge = 64, 64 }

	local := []Captioner{newCaptioner(b, BackendOpenAI, f.URL(), small, Options{Logger: testLogger(b), Limiter: make(chanLimiter, limit)})}
	prefix := testenv.Prefix(b)
	var fleet []Captioner
	for range 3 {
		rdb := redisClient(b)
		fleet = append(fleet, newCaptioner(b, BackendOpenAI, f.URL(), func(c *Config) { small(c); c.MaxInflight = limit },
			Options{Logger: testLogger(b), Redis: rdb, KeyPrefix: prefix}))
	}
	sem, err := NewSemaphore(redisClient(b), SemaphoreConfig{Key: SemaphoreKey(prefix, f.URL()), Limit: limit})
	if err != nil {
		b.Fatal(err)
	}
	cleanupKeys(b, sem.rdb, sem.Keys()...)
	_, baseline := drive(b, f, local, photo, 300, par, latency)
	f.maxInflight.Store(0)
	b.ResetTimer()
	nominal, achieved := drive(b, f, fleet, photo, max(b.N, 400), par, latency)
	b.StopTimer()
	if f.maxInflight.Load() > limit {
		b.Fatalf("server saw %d in flight, cap %d", f.maxInflight.Load(), limit)
	}
	b.ReportMetric(achieved, "inflight")
	b.ReportMetric(achieved/limit, "inflight/cap")
	b.ReportMetric(nominal/limit, "nominal-inflight/cap")
	b.ReportMetric(baseline/limit, "local-inflight/cap")
	b.ReportMetric(achieved/baseline, "redis/local")
}

// BenchmarkEncodeJPEG prepares a 4000 px photo for a 1280 px request, against a single
// Catmull-Rom pass from full size measured in the same run.
func BenchmarkEncodeJPEG(b *testing.B) {
	p, _, _ := scaledSample(b, "messi5.jpg", 4000)
	s, err := loadImage(p)
	if err != nil {
		b.Fatal(err)
	}
	direct := func() {
		sb := s.img.Bounds()
		w, h := fitEdge(sb.Dx(), sb.Dy(), DefaultMaxEdge)
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.CatmullRom.Scale(dst, dst.Bounds(), s.img, sb, draw.Src, nil)
	}
	const baseRuns = 3
	t0 := time.Now()
	for range baseRuns {
		direct()
	}
	base := time.Since(t0) / baseRuns
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := s.encodeJPEG(DefaultMaxEdge); err != nil {
			b.Fatal(err)
		}
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(base.Milliseconds()), "direct-catmullrom-ms")
	b.ReportMetric(float64(per)/float64(base), "vs-direct")
}
