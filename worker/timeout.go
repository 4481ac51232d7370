package worker

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// timeoutMargin is how long before asynq's own deadline a task's context ends. The handler's
// answer (a "timed out" error naming the file) then reaches asynq before asynq's deadline
// fires and files the task as a bare "context deadline exceeded".
func timeoutMargin(limit time.Duration) time.Duration {
	return min(time.Second, limit/20)
}

// withTaskTimeout gives the handler a context that ends a margin before asynq's deadline and
// returns the limit as the task set it (asynq counts timeouts in whole seconds from just before
// the handler starts, hence the rounding).
func withTaskTimeout(ctx context.Context) (context.Context, context.CancelFunc, time.Duration) {
	dl, ok := ctx.Deadline()
	if !ok {
		c, cancel := context.WithCancel(ctx)
		return c, cancel, 0
	}
	limit := time.Until(dl).Round(time.Second)
	c, cancel := context.WithDeadline(ctx, dl.Add(-timeoutMargin(limit)))
	return c, cancel, limit
}

// TimeoutError says that one run of a task used up its time limit.
type TimeoutError struct {
	// Asset is the file the task was working on.
	Asset string
	// Limit is the task's timeout.
	Limit time.Duration
	// Again is true when an earlier run of the task failed too: the task is archived.
	Again bool
}

// Error names the file and the limit, and what happens next.
func (e *TimeoutError) Error() string {
	if e.Again {
		return fmt.Sprintf("%s: timed out after %s on its retry too: raise the queue's timeout or check the file", e.Asset, e.Limit)
	}
	return fmt.Sprintf("%s: timed out after %s; retrying once", e.Asset, e.Limit)
}

// Is makes errors.Is(err, context.DeadlineExceeded) true.
func (e *TimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// timedOut turns the error of a run that hit its limit into a TimeoutError: transient on the
// first run (one retry), permanent once the task has been retried. Other errors pass as they are.
func timedOut(run, asynqCtx context.Context, err error, asset string, limit time.Duration, retry int) error {
	if err == nil || limit <= 0 || asynqCtx.Err() != nil || !errors.Is(run.Err(), context.DeadlineExceeded) {
		return err
	}
	te := &TimeoutError{Asset: asset, Limit: limit, Again: retry > 0}
	if te.Again {
		return archive{te}
	}
	return te
}
