package registry

import (
	"context"
	"fmt"
	"sync"
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
	return r.run(ctx, Timing{Interval: interval, TTL: ttl}, snapshot, nil)
}

// RunFenced is Run with self-fencing (see [Timing]): fence(true) is called once the last
// successful heartbeat was sent more than t.TTL-t.FenceMargin ago, fence(false) when a
// heartbeat succeeds again.
func (r *Registry) RunFenced(ctx context.Context, t Timing, snapshot func() WorkerInfo, fence func(fenced bool)) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return r.run(ctx, t, snapshot, fence)
}

func (r *Registry) run(ctx context.Context, t Timing, snapshot func() WorkerInfo, fence func(bool)) error {
	first := snapshot()
	id := first.ID
	if id == "" {
		return fmt.Errorf("worker registry: the worker snapshot has no ID (use NewWorkerInfo)")
	}
	var (
		mu     sync.Mutex
		lastOK = time.Now() // the send time of the latest heartbeat that succeeded
		fenced bool
	)
	setFence := func(v bool) {
		// Called with mu held.
		if fence != nil && fenced != v {
			fenced = v
			fence(v)
		}
	}
	// A heartbeat is not cut short by ctx: a write abandoned half way could land after the
	// final Remove and leave the entry behind for a TTL.
	beat := func(info WorkerInfo) {
		info.ID = id
		sent := time.Now()
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.Interval)
		defer cancel()
		if err := r.Publish(bctx, info, t.TTL); err != nil {
			r.log.Warn().Err(err).Str("worker", id).Msg("worker heartbeat failed; retrying at the next one")
			return
		}
		mu.Lock()
		lastOK = sent
		if fenced {
			r.log.Info().Str("worker", id).Msg("worker heartbeat is back; taking tasks again")
		}
		setFence(false)
		mu.Unlock()
	}
	if fence != nil {
		limit := t.TTL - t.FenceMargin
		go func() {
			tick := time.NewTicker(min(time.Second, t.FenceMargin/4))
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				mu.Lock()
				if since := time.Since(lastOK); since > limit && !fenced {
					r.log.Error().Str("worker", id).Dur("since_last_heartbeat", since).
						Msg("worker heartbeat lost: stopping this worker's tasks before the fleet takes them over")
					setFence(true)
				}
				mu.Unlock()
			}
		}()
	}
	beat(first)
	tick := time.NewTicker(t.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
			defer cancel()
			return r.Remove(rctx, id)
		case <-tick.C:
			beat(snapshot())
		}
	}
}
