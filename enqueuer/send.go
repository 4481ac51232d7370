package enqueuer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/redisfull"
	"github.com/mediafleet/mediafleet/tasks"
)

// sender is one run's way of putting tasks into Redis: batches off the work channel, the
// backlog bound when there is one, and the tallies.
type sender struct {
	e *Enqueuer
	c *counters
	// stop ends the run at Redis's first out-of-memory answer.
	stop func()
	// mem, when set, stops the run before Redis runs out of memory.
	mem *memWatch
	// bounded, bound and wait are set when the run keeps queues at MaxPending.
	bounded BoundedSender
	bound   Bound
	wait    *waiter
}

// loop takes what is waiting on work, up to SendBatch tasks, and sends it in one go.
func (s sender) loop(ctx context.Context, work <-chan tasks.Envelope) {
	batch := make([]tasks.Envelope, 0, s.e.opt.SendBatch)
	for first := range work {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < s.e.opt.SendBatch {
			select {
			case t, ok := <-work:
				if !ok {
					break fill
				}
				batch = append(batch, t)
			default:
				break fill
			}
		}
		if s.e.opt.DryRun {
			s.c.enqueued.Add(int64(len(batch)))
			continue
		}
		s.send(ctx, batch)
	}
}

// send sends one batch. Tasks refused for a full queue are offered again every Poll until
// they go in or the run stops; tasks that found Redis unavailable (down, restarting, failing
// over) are sent again every Poll for up to RedisWait from the batch's first such failure.
func (s sender) send(ctx context.Context, batch []tasks.Envelope) {
	var downSince time.Time
	for len(batch) > 0 {
		if s.mem != nil {
			var full *RedisFullError
			if err := s.mem.room(ctx, len(batch)); errors.As(err, &full) {
				s.c.redisFull(full)
				s.stop()
				return
			}
		}
		var errs []error
		if s.bounded != nil {
			errs = s.bounded.SendBounded(ctx, batch, s.bound)
		} else {
			errs = s.e.client.Send(ctx, batch)
		}
		var held, down []tasks.Envelope
		var fullQueue string
		var downErr error
		for i, err := range errs {
			switch {
			case err == nil:
				s.c.enqueued.Add(1)
			case errors.Is(err, ErrArchived):
				s.c.archived(batch[i].Type)
			case errors.Is(err, asynq.ErrTaskIDConflict), errors.Is(err, asynq.ErrDuplicateTask):
				s.c.already.Add(1)
			case errors.Is(err, ErrQueueFull):
				held = append(held, batch[i])
				var qf *QueueFullError
				if errors.As(err, &qf) && fullQueue == "" {
					fullQueue = qf.Queue
				}
			case redisfull.IsOOM(err):
				s.c.redisFull(s.mem.oom(ctx, err))
				s.stop()
			case ctx.Err() != nil:
				// Stopped (Ctrl-C, or Redis full): the task was not sent, which is no error.
			case redisconn.IsUnavailable(err) && s.e.opt.RedisWait > 0 &&
				(downSince.IsZero() || time.Since(downSince) < s.e.opt.RedisWait):
				down = append(down, batch[i])
				downErr = err
			default:
				s.c.fail(fmt.Errorf("enqueue %s: %w", batch[i].ID, err))
			}
		}
		if len(down) > 0 && downSince.IsZero() {
			downSince = time.Now()
			s.e.opt.Log.Warn().Err(downErr).Dur("wait", s.e.opt.RedisWait).
				Msg("Redis is unavailable; enqueue sends again until it is back")
		} else if len(down) == 0 {
			downSince = time.Time{}
		}
		if len(held) == 0 && len(down) == 0 {
			if s.wait != nil {
				s.wait.clear()
			}
			return
		}
		if len(held) > 0 {
			s.wait.full(ctx, fullQueue)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.e.opt.Poll):
		}
		batch = append(held, down...)
	}
}
