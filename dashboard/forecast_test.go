package dashboard_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/dashboard"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker/stats"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// drain simulates workers finishing perMinute tasks a minute (one at the start of every
// 60/perMinute seconds, a tenth of them failing) for the given time, and returns how many
// finished.
func drain(t *testing.T, c *stats.Counter, clock *fakeClock, queue string, perMinute int, d time.Duration) int {
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

// The fleet page shows what the Forecaster computes, on the dashboard's own clock.
func TestDashboardFleetPageShowsForecast(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	q := b.queue(tasks.Keyframes)
	b.enqueue(tasks.Keyframes, 30)
	clock := &fakeClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	drain(t, stats.New(b.rdb, clock.Now), clock, q, 12, 5*time.Minute)

	srv, _ := b.serve(dashboard.Options{Clock: clock.Now, WindowMinutes: 5})
	code, body := do(t, "GET", srv.URL+"/", "", nil)
	require.Equal(t, 200, code)
	// 60 tasks over 5 minutes: 12 a minute; 30 pending take 2m30s.
	require.Contains(t, body, `data-field="rate">12.0/min<`)
	require.Contains(t, body, `data-field="eta"`)
	require.Contains(t, body, `>2m30s<`)
}
