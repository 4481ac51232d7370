package registry

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mediafleet/mediafleet/internal/asynqwire"
	"github.com/mediafleet/mediafleet/tasks"
)

// lockKey is the lock that lets one recovery pass run at a time across the fleet.
func (r *Registry) lockKey() string { return r.base + ":recovering" }

// lockTTL bounds how long a pass holds the lock if its worker dies in the middle of one.
const lockTTL = 10 * time.Second

// unlockScript deletes the lock only if this worker still holds it.
var unlockScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0
`)

// forgetScript drops a dead worker from the index and its task records, unless it published
// again since the pass read the index (its score moved past the pass's now).
// KEYS: index, tasks hash. ARGV: worker id, now (Unix ms).
var forgetScript = redis.NewScript(`
local score = redis.call("ZSCORE", KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
	redis.call("ZREM", KEYS[1], ARGV[1])
	redis.call("DEL", KEYS[2])
	return 1
end
return 0
`)

// Recovered is one task a recovery pass put back in its queue.
type Recovered struct {
	Worker, Queue, TaskID string
}

// Recover runs one recovery pass as worker self (see [Timing]): when no other pass holds the
// lock, it requeues the recorded tasks of every worker whose entry expired, if asynq still has
// them active under a stale lease, and forgets those workers. Then it requeues every task of
// the fleet's queues whose lease has lapsed (see recoverLapsed), which also covers a live
// worker's task whose end could not be written while Redis was away. It returns what it
// requeued.
func (r *Registry) Recover(ctx context.Context, self string, t Timing) ([]Recovered, error) {
	ok, err := r.rdb.SetNX(ctx, r.lockKey(), self, lockTTL).Result()
	if err != nil {
		return nil, fmt.Errorf("worker registry: taking the recovery lock: %w", err)
	}
	if !ok {
		return nil, nil // another worker's pass runs now
	}
	defer unlockScript.Run(context.WithoutCancel(ctx), r.rdb, []string{r.lockKey()}, self)

	now, err := r.rdb.Time(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("worker registry: reading the Redis clock: %w", err)
	}
	nowMS := strconv.FormatInt(now.UnixMilli(), 10)
	dead, err := r.rdb.ZRangeByScore(ctx, r.index(), &redis.ZRangeBy{Min: "-inf", Max: nowMS, Count: 100}).Result()
	if err != nil {
		return nil, fmt.Errorf("worker registry: reading %s: %w", r.index(), err)
	}
	var out []Recovered
	for _, w := range dead {
		if w == self {
			continue // this worker's own entry lapsed: it has fenced itself and will publish again
		}
		got, settled, err := r.recoverWorker(ctx, w, now.Add(t.LeaseCutoff))
		out = append(out, got...)
		if err != nil {
			return out, err
		}
		if settled {
			if err := forgetScript.Run(ctx, r.rdb, []string{r.index(), r.tasksKey(w)}, w, nowMS).Err(); err != nil {
				return out, fmt.Errorf("worker registry: forgetting dead worker %s: %w", w, err)
			}
		}
	}
	lapsed, err := r.recoverLapsed(ctx, now)
	return append(out, lapsed...), err
}

// recoverLapsed requeues the active tasks of the fleet's queues whose asynq lease has run out:
// no live asynq server renewed it for a whole lease (30 s), and a server cut off from Redis has
// fenced itself long before. It happens when the record of a running task was lost (the worker
// died between taking the task and recording it) or when a finished task's acknowledgement was
// (a Redis restarted from an append-only file that is up to a second behind); asynq's own
// recovery would take up to two minutes more.
func (r *Registry) recoverLapsed(ctx context.Context, now time.Time) ([]Recovered, error) {
	var out []Recovered
	for _, k := range tasks.AllKinds() {
		queue := tasks.QueueName(r.prefix, k)
		ids, err := r.rdb.ZRangeByScore(ctx, asynqwire.LeaseKey(queue), &redis.ZRangeBy{
			Min: "-inf", Max: "(" + strconv.FormatInt(now.Unix(), 10), Count: 100}).Result()
		if err != nil {
			return out, fmt.Errorf("worker registry: reading the leases of queue %s: %w", queue, err)
		}
		for _, id := range ids {
			res, err := asynqwire.RequeueOrphan(ctx, r.rdb, queue, id, now)
			if err != nil {
				return out, err
			}
			if res == asynqwire.Requeued {
				out = append(out, Recovered{Queue: queue, TaskID: id})
				r.log.Warn().Str("queue", queue).Str("task_id", id).
					Msg("worker registry: requeued a task whose lease ran out with no worker renewing it")
			}
		}
	}
	return out, nil
}

// recoverWorker requeues the tasks recorded for dead worker w. settled is true when none of
// them is still held under a fresh lease, so w can be forgotten.
func (r *Registry) recoverWorker(ctx context.Context, w string, cutoff time.Time) (got []Recovered, settled bool, err error) {
	recs, err := r.rdb.HGetAll(ctx, r.tasksKey(w)).Result()
	if err != nil {
		return nil, false, fmt.Errorf("worker registry: reading the tasks of worker %s: %w", w, err)
	}
	settled = true
	for id, queue := range recs {
		res, err := asynqwire.RequeueOrphan(ctx, r.rdb, queue, id, cutoff)
		if err != nil {
			return got, false, err
		}
		switch res {
		case asynqwire.Requeued:
			got = append(got, Recovered{Worker: w, Queue: queue, TaskID: id})
			r.log.Warn().Str("dead_worker", w).Str("queue", queue).Str("task_id", id).
				Msg("worker registry: requeued a task of a worker whose heartbeat stopped")
		case asynqwire.LeaseFresh:
			settled = false // its asynq server still renews the lease: not dead after all
		}
		if res != asynqwire.LeaseFresh {
			r.rdb.HDel(ctx, r.tasksKey(w), id)
		}
	}
	return got, settled, nil
}

// RunRecovery runs a recovery pass every t.Scan until ctx ends; failures are logged and the
// next pass tries again.
func (r *Registry) RunRecovery(ctx context.Context, self string, t Timing) {
	tick := time.NewTicker(t.Scan)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := r.Recover(ctx, self, t); err != nil && ctx.Err() == nil {
			r.log.Warn().Err(err).Msg("worker registry: recovery pass failed; trying again at the next one")
		}
	}
}
