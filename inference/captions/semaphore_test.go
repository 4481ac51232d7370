package captions

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newSem is a semaphore on a key of its own; a second call with the same key (pass it in)
// stands for another worker process.
func newSem(t *testing.T, rdb redis.UniversalClient, key string, limit int, lease time.Duration) *Semaphore {
	t.Helper()
	if key == "" {
		key = SemaphoreKey(testenv.Prefix(t), "http://vlm.test/"+t.Name())
	}
	s, err := NewSemaphore(rdb, SemaphoreConfig{Key: key, Limit: limit, Lease: lease, Logger: testLogger(t)})
	require.NoError(t, err)
	cleanupKeys(t, rdb, s.Keys()...)
	return s
}

func TestSemaphoreKey(t *testing.T) {
	t.Parallel()
	a := SemaphoreKey("p1", "http://gpu1:8000")
	assert.Equal(t, a, SemaphoreKey("p1", "http://gpu1:8000/"), "a trailing slash is the same server")
	assert.NotEqual(t, a, SemaphoreKey("p1", "http://gpu2:8000"))
	assert.NotEqual(t, a, SemaphoreKey("p2", "http://gpu1:8000"))
	assert.Regexp(t, `^p1:captions:inflight:\{[0-9a-f]{16}\}$`, a)
	assert.Regexp(t, `^mediafleet:captions:inflight:`, SemaphoreKey("", "http://gpu1:8000"))
}

func TestSemaphoreLimit(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	s := newSem(t, rdb, "", 2, 0)
	ctx := context.Background()
	r1, err := s.Acquire(ctx)
	require.NoError(t, err)
	r2, err := s.Acquire(ctx)
	require.NoError(t, err)
	held, _, err := s.Held(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, held)

	got := make(chan func(), 1)
	go func() {
		r3, err := s.Acquire(ctx)
		assert.NoError(t, err)
		got <- r3
	}()
	select {
	case <-got:
		t.Fatal("a third slot was granted while two of two were held")
	case <-time.After(200 * time.Millisecond):
	}
	r1()
	var r3 func()
	select {
	case r3 = <-got:
	case <-time.After(20 * time.Second):
		t.Fatal("the waiter never got the released slot")
	}
	r1() // a second release of the same slot frees nothing else
	held, waiting, err := s.Held(ctx)
	require.NoError(t, err)
	assert.Equal(t, [2]int{2, 0}, [2]int{held, waiting})
	r2()
	r3()
	held, _, err = s.Held(ctx)
	require.NoError(t, err)
	assert.Zero(t, held)
}

func TestSemaphoreWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	s := newSem(t, rdb, "", 1, 0)
	s.waker.linger = 50 * time.Millisecond
	release, err := s.Acquire(context.Background())
	require.NoError(t, err)
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err = s.Acquire(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	s.waker.mu.Lock()
	assert.Zero(t, s.waker.subs, "the waiter left")
	assert.Empty(t, s.waker.waiting)
	s.waker.mu.Unlock()
	_, waiting, err := s.Held(context.Background())
	require.NoError(t, err)
	assert.Zero(t, waiting, "the waiter left the queue")
	assert.Eventually(t, func() bool {
		s.waker.mu.Lock()
		defer s.waker.mu.Unlock()
		return s.waker.sub == nil
	}, 10*time.Second, 20*time.Millisecond, "no subscription is kept long without waiters")
}

func TestSemaphoreDeadHolderFreesSlotAfterLease(t *testing.T) {
	t.Parallel()
	const lease = 1500 * time.Millisecond
	key := SemaphoreKey(testenv.Prefix(t), "http://vlm.test/dead")
	// The dead worker: its own client takes the only slot, then never refreshes nor releases.
	dead := newSem(t, redisClient(t), key, 1, lease)
	ok, err := dead.try(context.Background(), "dead-worker:1")
	require.NoError(t, err)
	require.True(t, ok)

	live := newSem(t, redisClient(t), key, 1, lease)
	ok, err = live.try(context.Background(), "probe")
	require.NoError(t, err)
	require.False(t, ok, "the slot is taken")
	live.abandon("probe")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	release, err := live.Acquire(ctx)
	require.NoError(t, err, "the dead holder's slot must come free once its lease ends")
	defer release()
	err = live.rdb.ZScore(ctx, key, "dead-worker:1").Err()
	assert.True(t, errors.Is(err, redis.Nil), "the dead holder was reaped: %v", err)
}

// TestSemaphoreRefreshKeepsSlot holds the only slot past the moment its first lease would
// have ended: the holder's refreshes must have moved the lease on and kept everyone else out.
// It waits on Redis's own clock passing that moment, not on a sleep of the test's.
func TestSemaphoreRefreshKeepsSlot(t *testing.T) {
	t.Parallel()
	const lease = 6 * time.Second // refreshed every 2 s: a loaded machine has seconds to spare
	ctx := context.Background()
	rdb := redisClient(t)
	s := newSem(t, rdb, "", 1, lease)
	release, err := s.Acquire(ctx)
	require.NoError(t, err)
	holders, err := rdb.ZRangeWithScores(ctx, s.cfg.Key, 0, -1).Result()
	require.NoError(t, err)
	require.Len(t, holders, 1)
	firstExpiry := int64(holders[0].Score)
	ok, err := s.try(ctx, "intruder")
	require.NoError(t, err)
	require.False(t, ok)

	require.Eventually(t, func() bool {
		now, err := rdb.Time(ctx).Result()
		return err == nil && now.UnixMilli() > firstExpiry+200
	}, time.Minute, 50*time.Millisecond, "Redis's clock passes the first lease's end")
	score, err := rdb.ZScore(ctx, s.cfg.Key, holders[0].Member.(string)).Result()
	require.NoError(t, err, "the holder is still there")
	require.Greater(t, int64(score), firstExpiry, "its lease was refreshed")
	ok, err = s.try(ctx, "intruder")
	require.NoError(t, err)
	require.False(t, ok, "the slot was lost while its holder was alive")

	release()
	ok, err = s.try(ctx, "intruder")
	require.NoError(t, err)
	assert.True(t, ok, "the released slot went to the queued intruder")
	ok, err = s.try(ctx, "latecomer")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestSemaphoreFirstComeFirstServed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key := SemaphoreKey(testenv.Prefix(t), "http://vlm.test/fifo")
	// Three processes: one holds the only slot, two others queue up in a known order.
	holder := newSem(t, redisClient(t), key, 1, 0)
	release, err := holder.Acquire(ctx)
	require.NoError(t, err)
	order := make(chan string, 4)
	var releases [4]func()
	for i, name := range []string{"first", "second", "third"} {
		sem := newSem(t, redisClient(t), key, 1, 0)
		go func() {
			r, err := sem.Acquire(ctx)
			assert.NoError(t, err)
			releases[i] = r
			order <- name
		}()
		require.Eventually(t, func() bool {
			_, waiting, err := holder.Held(ctx)
			return err == nil && waiting == i+1
		}, 10*time.Second, 5*time.Millisecond, "%s queued", name)
	}
	release()
	for i, want := range []string{"first", "second", "third"} {
		select {
		case got := <-order:
			require.Equal(t, want, got)
		case <-time.After(20 * time.Second):
			t.Fatalf("%s never got the slot", want)
		}
		select {
		case got := <-order:
			t.Fatalf("%s got a slot while %s held the only one", got, want)
		case <-time.After(50 * time.Millisecond):
		}
		releases[i]()
	}
}

func TestNewSemaphoreRejects(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	for name, cfg := range map[string]SemaphoreConfig{
		"no key":      {Limit: 1},
		"zero limit":  {Key: "k"},
		"tiny lease":  {Key: "k", Limit: 1, Lease: time.Millisecond},
		"neg polling": {Key: "k", Limit: 1, MaxPoll: -1},
	} {
		_, err := NewSemaphore(rdb, cfg)
		assert.Error(t, err, name)
	}
	_, err := NewSemaphore(nil, SemaphoreConfig{Key: "k", Limit: 1})
	assert.Error(t, err)
}
