package queuectl

import (
	"context"
	"time"
)

// DefaultDrainPoll is how often Drain reads the queue when the caller gives no interval.
const DefaultDrainPoll = time.Second

// Drain pauses queue so workers take no new tasks, then reads it every poll (DefaultDrainPoll
// when 0) and calls progress with each reading until no task of it is active; the queue stays
// paused. It returns the last reading, with ctx's error when ctx ends first. A task whose worker
// died stays active until asynq's recoverer moves it to retry (about a minute after its lease
// runs out), so a drain can outlast a crashed worker by that long.
func (c *Controller) Drain(ctx context.Context, queue string, poll time.Duration, progress func(State)) (State, error) {
	if poll <= 0 {
		poll = DefaultDrainPoll
	}
	if _, err := c.Pause(ctx, queue); err != nil {
		return State{}, err
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	var last State
	for {
		s, err := c.State(ctx, queue)
		if err != nil {
			return last, err
		}
		last = s
		if progress != nil {
			progress(s)
		}
		if s.Active == 0 {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-t.C:
		}
	}
}
