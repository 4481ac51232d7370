package captions

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFleetWideCap runs three captioners, each with its own Redis client as three worker
// processes would have, against one server: the server must never see more than the cap.
func TestFleetWideCap(t *testing.T) {
	t.Parallel()
	const limit, workers, perWorker = 3, 3, 12
	photo, _, _ := scaledSample(t, "messi5.jpg", 160) // small: the server's concurrency is what counts here
	eachBackend(t, func(t *testing.T, backend string) {
		f := newFake(t, backend)
		f.delay = 30 * time.Millisecond
		f.holdFirst = limit // the cap is reached, or this test hangs and fails
		f.start(nil)
		prefix := testenv.Prefix(t)
		sem, err := NewSemaphore(redisClient(t), SemaphoreConfig{Key: SemaphoreKey(prefix, f.URL()), Limit: limit})
		require.NoError(t, err)
		cleanupKeys(t, sem.rdb, sem.Keys()...)
		var fleet []Captioner
		for range workers {
			rdb := redisClient(t)
			fleet = append(fleet, newCaptioner(t, backend, f.URL(),
				func(c *Config) { c.MaxInflight = limit },
				Options{Logger: testLogger(t), Redis: rdb, KeyPrefix: prefix}))
		}
		var wg sync.WaitGroup
		errs := make(chan error, workers*perWorker)
		for _, c := range fleet {
			for range perWorker {
				wg.Go(func() {
					_, err := c.Caption(context.Background(), photo)
					errs <- err
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		assert.EqualValues(t, workers*perWorker, f.requests.Load())
		assert.LessOrEqual(t, f.maxInflight.Load(), int64(limit), "the server saw more requests at once than the fleet-wide cap")
		assert.EqualValues(t, limit, f.maxInflight.Load(), "with %d callers the cap is reached", workers*perWorker)

		held, waiting, err := sem.Held(context.Background())
		require.NoError(t, err)
		assert.Zero(t, held, "every slot was released")
		assert.Zero(t, waiting, "nobody is left in the queue")
	})
}
