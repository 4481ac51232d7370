package stats

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// TestRateAndETA drains a queue at a known rate under a controlled clock: 30 tasks a minute
// for four minutes, then the rate and the ETA of a backlog of 90 follow from it.
func TestRateAndETA(t *testing.T) {
	t.Parallel()
	rdb, err := redisconn.RedisClient(testenv.RedisURL(t))
	require.NoError(t, err)
	defer rdb.Close()
	queue := testenv.Prefix(t) + ":faces"
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	c := New(rdb, func() time.Time { return now })
	ctx := context.Background()
	for m := 0; m < 4; m++ {
		for i := 0; i < 30; i++ {
			require.NoError(t, c.Record(ctx, queue, i%10 != 0)) // 3 of 30 fail
			now = now.Add(2 * time.Second)
		}
	}
	// now is 12:04:00: minutes 12:00..12:03 hold 30 each, the running minute none.
	r, err := c.Rate(ctx, queue, 4)
	require.NoError(t, err)
	require.EqualValues(t, 108, r.Succeeded)
	require.EqualValues(t, 12, r.Failed)
	require.InDelta(t, 30.0, r.PerMinute, 0.001)
	eta, ok := ETA(90, r)
	require.True(t, ok)
	require.Equal(t, 3*time.Minute, eta)

	// Thirty seconds into the next minute the partial minute counts by its share.
	now = now.Add(30 * time.Second)
	r, err = c.Rate(ctx, queue, 2)
	require.NoError(t, err)
	require.InDelta(t, 60.0/2.5, r.PerMinute, 0.001)

	// Nothing finished lately: no ETA rather than a made-up one.
	now = now.Add(time.Hour)
	r, err = c.Rate(ctx, queue, 5)
	require.NoError(t, err)
	_, ok = ETA(10, r)
	require.False(t, ok)
	eta, ok = ETA(0, r)
	require.True(t, ok)
	require.Zero(t, eta)
}

// TestBufferedCounterWritesLater: a buffered Counter keeps tallies, each in the minute it was
// made in, until Flush or its own timer writes them in one go; nothing is lost across the
// minute boundary.
func TestBufferedCounterWritesLater(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	queue := testenv.Prefix(t) + ":faces"
	clock := &fakeClock{t: time.Date(2026, 11, 27, 12, 0, 30, 0, time.UTC)}
	ctx := context.Background()

	c := NewBuffered(rdb, clock.Now, time.Hour) // only Flush writes
	for i := range 10 {
		require.NoError(t, c.Record(ctx, queue, i != 0))
	}
	clock.Add(time.Minute)
	require.NoError(t, c.Record(ctx, queue, true))
	r, err := New(rdb, clock.Now).Rate(ctx, queue, 2)
	require.NoError(t, err)
	require.Zero(t, r.Succeeded+r.Failed, "a buffered Counter wrote before its time")
	require.NoError(t, c.Flush(ctx))
	r, err = New(rdb, clock.Now).Rate(ctx, queue, 2)
	require.NoError(t, err)
	require.EqualValues(t, 10, r.Succeeded)
	require.EqualValues(t, 1, r.Failed)
	at, err := rdb.HGetAll(ctx, key(queue, clock.Now().Unix()/60)).Result()
	require.NoError(t, err)
	require.Equal(t, map[string]string{"ok": "1"}, at, "the running minute holds only its own task")

	// Without Flush, the timer writes them.
	c = NewBuffered(rdb, clock.Now, 10*time.Millisecond)
	require.NoError(t, c.Record(ctx, queue, true))
	require.Eventually(t, func() bool {
		r, err := New(rdb, clock.Now).Rate(ctx, queue, 2)
		return err == nil && r.Succeeded == 11
	}, 10*time.Second, 10*time.Millisecond)
}
