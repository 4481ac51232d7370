package redisconn

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/mediafleet/mediafleet/internal/redact"
)

// ParseRedisURL turns redis_url into asynq's connection options. It accepts redis://,
// rediss://, redis-socket://, redis-sentinel:// (see [SentinelScheme]) and
// redis-cluster://[:password@]host:port[,host:port].
func ParseRedisURL(raw string) (asynq.RedisConnOpt, error) {
	if raw == "" {
		return nil, fmt.Errorf("redis_url is empty: set MEDIAFLEET_REDIS_URL, e.g. redis://127.0.0.1:6379/0")
	}
	if strings.HasPrefix(raw, SentinelScheme) {
		return parseSentinel(raw)
	}
	if rest, ok := strings.CutPrefix(raw, "redis-cluster://"); ok {
		u, err := url.Parse("redis://" + rest)
		if err != nil {
			return nil, fmt.Errorf("redis_url %s: %v", redact.URL(raw), redact.Error(err, raw))
		}
		opt := asynq.RedisClusterClientOpt{Addrs: strings.Split(u.Host, ",")}
		if u.User != nil {
			opt.Password, _ = u.User.Password()
			opt.Username = u.User.Username()
		}
		return opt, nil
	}
	opt, err := asynq.ParseRedisURI(raw)
	if err != nil {
		return nil, fmt.Errorf("redis_url %s is not a Redis URL (%v): use redis://host:port/db, rediss://, redis-socket://, redis-sentinel:// or redis-cluster://", redact.URL(raw), redact.Error(err, raw))
	}
	return opt, nil
}

// RedisClient opens a go-redis client for the configured Redis, for the parts of mediafleet that
// talk to Redis beside asynq (registry, semaphores).
func RedisClient(raw string) (redis.UniversalClient, error) {
	opt, err := ParseRedisURL(raw)
	if err != nil {
		return nil, err
	}
	c, ok := opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, fmt.Errorf("redis_url %s: unsupported client type", redact.URL(raw))
	}
	return c, nil
}

// OpenRedis opens a go-redis client for the configured Redis and pings it; when it does not
// answer, the error says what to do.
func OpenRedis(ctx context.Context, raw string) (redis.UniversalClient, error) {
	c, err := RedisClient(raw)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("Redis at %s does not answer (%v): start redis-server there or point MEDIAFLEET_REDIS_URL at a running one", redact.URL(raw), redact.Error(err, raw))
	}
	return c, nil
}

// CheckRedis pings the configured Redis and says what to do when it does not answer.
func CheckRedis(ctx context.Context, raw string) error {
	c, err := OpenRedis(ctx, raw)
	if err != nil {
		return err
	}
	return c.Close()
}
