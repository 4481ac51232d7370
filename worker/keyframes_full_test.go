package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/redisfull"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
)

// TestKeyframesFollowUpsMeetFullRedis: a keyframes task whose follow-up tasks meet a Redis at
// its maxmemory, or within its reserve, fails as a transient error (retried later, not
// archived) and loses none of them: once Redis has room, the same task enqueues every
// follow-up, once.
func TestKeyframesFollowUpsMeetFullRedis(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, "--maxmemory", "3mb", "--maxmemory-policy", "noeviction")
	opt, err := redisconn.ParseRedisURL(srv.URL())
	require.NoError(t, err)
	b := &bed{redis: opt, prefix: "full", client: asynq.NewClient(opt), insp: asynq.NewInspector(opt)}
	t.Cleanup(func() { b.client.Close(); b.insp.Close() })
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", srv.Port)})
	t.Cleanup(func() { rdb.Close() })
	ctx := zerolog.Nop().WithContext(context.Background())

	// Fill Redis to its limit with ballast.
	ballast := strings.Repeat("x", 64<<10)
	for i := 0; ; i++ {
		if err := rdb.Set(ctx, fmt.Sprintf("ballast:%d", i), ballast, 0).Err(); err != nil {
			require.ErrorContains(t, err, "OOM")
			break
		}
	}
	h := keyframesHandler(t, b, t.TempDir())
	p := videoPayload(testenv.Sample(t, "Megamind.avi"), "hmegamind")
	err = mapError(h.Handle(ctx, p), nil)
	require.Error(t, err)
	require.False(t, errors.Is(err, asynq.SkipRetry), "a full Redis is transient: %v", err)
	require.ErrorContains(t, err, "Megamind.avi")
	require.Equal(t, 1, strings.Count(err.Error(), "enqueueing"), "no repeated prefixes: %v", err)

	// With the reserve check the task stops before it writes anything.
	h.Room = func(ctx context.Context) error { return redisfull.Room(ctx, rdb) }
	err = mapError(h.Handle(ctx, p), nil)
	require.False(t, errors.Is(err, asynq.SkipRetry), "a nearly full Redis is transient: %v", err)
	require.ErrorIs(t, err, redisfull.ErrShort)
	require.ErrorContains(t, err, "the follow-up tasks of "+p.Asset.Path+" wait: Redis is nearly full (used ")

	keys, err := rdb.Keys(ctx, "ballast:*").Result()
	require.NoError(t, err)
	require.NoError(t, rdb.Del(ctx, keys...).Err(), "the fleet drained; Redis has room again")
	require.NoError(t, h.Handle(ctx, p))
	for _, k := range []tasks.Kind{tasks.Faces, tasks.Captions} {
		info, err := b.insp.GetQueueInfo(tasks.QueueName(b.prefix, k))
		require.NoError(t, err)
		require.Equal(t, 4, info.Pending, k)
	}
}
