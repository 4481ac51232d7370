package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// emptyChecks is how many checks in a row must find every queue empty before --until-empty
// stops: a task that a handler enqueues for another served queue shows up in between.
const emptyChecks = 3

// waitEmpty polls the served queues until all have nothing pending, scheduled, retrying or
// active for emptyChecks checks in a row, or ctx ends.
func (f *Fleet) waitEmpty(ctx context.Context) error {
	insp := asynq.NewInspector(f.cfg.Redis)
	defer insp.Close()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	streak := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		served := f.active()
		if len(served) == 0 {
			return fmt.Errorf("worker: every queue stopped: %v", f.Stopped())
		}
		left, err := Backlog(insp, served)
		if err != nil {
			f.cfg.Log.Warn().Err(err).Msg("checking whether the queues are empty")
			streak = 0
			continue
		}
		if left > 0 || f.busy() {
			streak = 0
			continue
		}
		if streak++; streak >= emptyChecks {
			f.cfg.Log.Info().Msg("queues are empty; stopping (--until-empty)")
			return nil
		}
	}
}

func (f *Fleet) busy() bool {
	for _, n := range f.InFlight() {
		if n > 0 {
			return true
		}
	}
	return false
}

// Backlog counts the tasks of the queues that are pending, scheduled, retrying or active. A
// queue that does not exist yet counts as empty.
func Backlog(insp *asynq.Inspector, queues []string) (int, error) {
	existing, err := insp.Queues()
	if err != nil {
		return 0, fmt.Errorf("listing queues: %w", err)
	}
	known := make(map[string]bool, len(existing))
	for _, q := range existing {
		known[q] = true
	}
	total := 0
	for _, q := range queues {
		if !known[q] {
			continue
		}
		info, err := insp.GetQueueInfo(q)
		if err != nil {
			return 0, fmt.Errorf("queue %s: %w", q, err)
		}
		total += info.Pending + info.Scheduled + info.Retry + info.Active
	}
	return total, nil
}
