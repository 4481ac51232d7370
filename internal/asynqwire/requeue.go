package asynqwire

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// LeaseKey is the sorted set of active task ids scored by when their lease runs out, Unix
// seconds on the clock of the worker holding them (base.LeaseKey). asynq's heartbeater pushes a
// live worker's leases to now+30 s every 5 s.
func LeaseKey(queue string) string { return QueuePrefix(queue) + "lease" }

// RequeueResult is what RequeueOrphan did with one task.
type RequeueResult int

const (
	// Requeued: the task was active under a stale lease and is pending again.
	Requeued RequeueResult = iota
	// NotActive: the task is not active any more (done, retried, or already recovered).
	NotActive
	// LeaseFresh: the task's lease was renewed recently, so a live asynq server still holds it;
	// it was left alone.
	LeaseFresh
)

// String names the result for logs.
func (r RequeueResult) String() string {
	switch r {
	case Requeued:
		return "requeued"
	case NotActive:
		return "not active"
	case LeaseFresh:
		return "lease fresh"
	}
	return fmt.Sprintf("RequeueResult(%d)", int(r))
}

// requeueScript is asynq v0.26.0's requeue (internal/rdb requeueCmd: LREM active, ZREM lease,
// RPUSH pending so the task runs next, state pending), done only when the task is active with
// a lease that runs out before ARGV[2]: a lease that far ahead was renewed by a live server.
//
// KEYS: active, lease, pending, task hash. ARGV: task id, lease cutoff (Unix s).
// Answers 0 requeued, 1 not active, 2 lease fresh.
var requeueScript = redis.NewScript(`
local lease = redis.call("ZSCORE", KEYS[2], ARGV[1])
if not lease then
	return 1
end
if tonumber(lease) >= tonumber(ARGV[2]) then
	return 2
end
if redis.call("LREM", KEYS[1], 0, ARGV[1]) == 0 then
	return 1
end
redis.call("ZREM", KEYS[2], ARGV[1])
redis.call("RPUSH", KEYS[3], ARGV[1])
redis.call("HSET", KEYS[4], "state", "pending")
return 0
`)

// RequeueOrphan puts task id of queue back at the head of its pending list if it is active
// and its lease runs out before leaseCutoff; otherwise it leaves it alone and says why. All
// keys are of one queue (one cluster slot); the script is atomic against asynq's own writes.
func RequeueOrphan(ctx context.Context, c redis.Scripter, queue, id string, leaseCutoff time.Time) (RequeueResult, error) {
	l := QueueLists(queue)
	n, err := requeueScript.Run(ctx, c, []string{l.Active, LeaseKey(queue), l.Pending, TaskKey(queue, id)},
		id, leaseCutoff.Unix()).Int()
	if err != nil {
		return 0, fmt.Errorf("requeueing task %s of queue %s: %w", id, queue, err)
	}
	return RequeueResult(n), nil
}
