package registry

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// bed is one test's fixture: its key prefix in the shared Redis and a registry under it.
type bed struct {
	url    string
	prefix string
	rdb    *redis.Client
	reg    *Registry
}

// newBed makes the test's bed and removes what it left in Redis when the test ends.
func newBed(t *testing.T) bed {
	t.Helper()
	url := testenv.RedisURL(t)
	opt, err := redis.ParseURL(url)
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	prefix := testenv.Prefix(t)
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, prefix+":mediafleet:workers*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	return bed{url: url, prefix: prefix, rdb: rdb, reg: New(rdb, prefix, zerolog.New(zerolog.NewTestWriter(t)))}
}

// bundle is bed's former name.
type bundle = bed
