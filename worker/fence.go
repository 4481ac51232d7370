package worker

import (
	"context"
	"errors"
)

// TaskTracker records which tasks this worker runs, so that the fleet can put them back in
// their queues if the worker dies (registry.Tasks implements it).
type TaskTracker interface {
	// Started is called before a task's handler runs.
	Started(ctx context.Context, queue, taskID string)
	// Finished is called after it returned.
	Finished(queue, taskID string)
}

// ErrFenced is the error of a task this worker stopped because it lost its heartbeat: the rest
// of the fleet may take the task over, so it must not run on here. It does not use up a retry.
var ErrFenced = errors.New("this worker lost its heartbeat and stopped the task so that another worker can take it")

// Fence stops (fenced true) every task this worker runs and refuses new ones until Fence(false):
// the worker could not renew its heartbeat and the fleet is about to take its tasks over.
func (f *Fleet) Fence(fenced bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fenced = fenced
	if fenced {
		for _, cancel := range f.running {
			cancel(ErrFenced)
		}
	}
}

// begin registers a running task's cancel func; it reports false when the worker is fenced.
func (f *Fleet) begin(id string, cancel context.CancelCauseFunc) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fenced {
		return false
	}
	f.running[id] = cancel
	return true
}

func (f *Fleet) end(id string) {
	f.mu.Lock()
	delete(f.running, id)
	f.mu.Unlock()
}

// fencedErr returns ErrFenced when the run was stopped by Fence, else err.
func fencedErr(run context.Context, err error) error {
	if err != nil && errors.Is(context.Cause(run), ErrFenced) {
		return ErrFenced
	}
	return err
}
