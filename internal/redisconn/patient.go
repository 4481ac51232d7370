package redisconn

import (
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Patient returns opt with its clients retrying a command that cannot reach Redis for about
// 17 s (12 retries, backoff from 100 ms growing to 2 s) instead of go-redis's default of about
// 1 s, so a Redis restart or a Sentinel failover of a few seconds does not fail a worker's
// writes. It matters most at the end of a task: asynq v0.26.0 retries a failed "task done"
// write with a context it has already cancelled, so that write is never retried, and the
// finished task stays active until asynq's lease recovery runs it again a minute or two later.
// Cluster connections are returned as they are.
func Patient(opt asynq.RedisConnOpt) asynq.RedisConnOpt { return patientOpt{opt} }

type patientOpt struct{ asynq.RedisConnOpt }

// MakeRedisClient makes the client of the wrapped options and lengthens its retries.
func (p patientOpt) MakeRedisClient() any {
	c := p.RedisConnOpt.MakeRedisClient()
	if rc, ok := c.(*redis.Client); ok {
		o := rc.Options()
		o.MaxRetries, o.MinRetryBackoff, o.MaxRetryBackoff = 12, 100*time.Millisecond, 2*time.Second
	}
	return c
}
