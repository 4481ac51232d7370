package registry

import (
	"context"
	"fmt"
	"time"
)

// removeTimeout bounds the final delete after the heartbeat's context has ended.
const removeTimeout = 5 * time.Second

// Run publishes snapshot() now and every interval with the given ttl until ctx ends, then
// removes the entry and returns (nil, or the removal's error). The ID of the first snapshot is
// used throughout. A failed heartbeat is logged and retried at the next tick, so a Redis blip
// does not stop the worker; the entry lapses only if heartbeats fail for a whole TTL. ttl must
// exceed interval; two to three intervals lets one heartbeat be late without the worker
// flickering out of List.
func (r *Registry) Run(ctx context.Context, interval, ttl time.Duration, snapshot func() WorkerInfo) error {
	if interval <= 0 || ttl <= interval {
		return fmt.Errorf("worker registry: heartbeat every %s with TTL %s: the TTL must be longer than the interval", interval, ttl)
	}
	first := snapshot()
	id := first.ID
	if id == "" {
		return fmt.Errorf("worker registry: the worker snapshot has no ID (use NewWorkerInfo)")
	}
	// A heartbeat is not cut short by ctx: a write abandoned half way could land after the
	// final Remove and leave the entry behind for a TTL.
	beat := func(info WorkerInfo) {
		info.ID = id
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), interval)
		defer cancel()
		if err := r.Publish(bctx, info, ttl); err != nil {
			r.log.Warn().Err(err).Str("worker", id).Msg("worker heartbeat failed; retrying at the next one")
		}
	}
	beat(first)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
			defer cancel()
			return r.Remove(rctx, id)
		case <-t.C:
			beat(snapshot())
		}
	}
}
