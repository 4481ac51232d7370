package stats

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// Now is the clock's time.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock on by d.
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// drain simulates workers finishing perMinute tasks a minute (one at the start of every
// 60/perMinute seconds, a tenth of them failing) for the given time, and returns how many
// finished.
func drain(t *testing.T, c *Counter, clock *fakeClock, queue string, perMinute int, d time.Duration) int {
	t.Helper()
	step := time.Minute / time.Duration(perMinute)
	n := 0
	for elapsed := time.Duration(0); elapsed < d; elapsed += step {
		require.NoError(t, c.Record(context.Background(), queue, n%10 != 9))
		clock.Add(step)
		n++
	}
	return n
}

// redisClient is a client of the test Redis, closed with the test; the tallies of the test's
// queue are deleted with it.
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestForecastKnownDrainRate(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	q := testenv.Prefix(t) + ":faces"
	clock := &fakeClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	counter := New(rdb, clock.Now)
	fc := NewForecaster(counter, clock.Now, 5)

	// Nothing finished yet: a backlog has no ETA, an empty queue is done.
	f, err := fc.Forecast(t.Context(), q, 600)
	require.NoError(t, err)
	require.False(t, f.Known)
	require.Equal(t, "unknown", f.ETAText())
	f, err = fc.Forecast(t.Context(), q, 0)
	require.NoError(t, err)
	require.True(t, f.Known)
	require.Equal(t, "done", f.ETAText())

	// 20 tasks a minute for ten and a half minutes out of a backlog of 600.
	backlog := 600
	backlog -= drain(t, counter, clock, q, 20, 10*time.Minute+30*time.Second)
	f, err = fc.Forecast(t.Context(), q, backlog)
	require.NoError(t, err)
	require.InDelta(t, 20.0, f.PerMinute, 1e-9)
	require.Equal(t, 390, backlog)
	require.True(t, f.Known)
	require.InDelta(t, (19*time.Minute + 30*time.Second).Seconds(), f.ETA.Seconds(), 1e-6)
	require.Equal(t, "19m30s", f.ETAText())
	require.Equal(t, clock.Now().Add(f.ETA), f.DoneAt)
	require.Equal(t, "20.0/min", f.RateText())

	// The workers speed up to 60 a minute: after a whole window at the new pace, only it counts.
	backlog -= drain(t, counter, clock, q, 60, 6*time.Minute)
	f, err = fc.Forecast(t.Context(), q, backlog)
	require.NoError(t, err)
	require.InDelta(t, 60.0, f.PerMinute, 1e-9)
	require.Equal(t, 30, backlog)
	require.InDelta(t, 30.0, f.ETA.Seconds(), 1e-6)

	// The workers stop: once the window holds no finished task, the ETA is unknown again.
	clock.Add(7 * time.Minute)
	f, err = fc.Forecast(t.Context(), q, backlog)
	require.NoError(t, err)
	require.Zero(t, f.PerMinute)
	require.False(t, f.Known)
}
