package worker

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"

	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/tasks"
)

// PermanentError marks a failure that retrying cannot fix: bad input, a file that is not what it
// claims, a file outside the media roots. Its text is the reason the archived task shows.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err so the task is archived at once with err's text as the reason.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// Delayed is a transient failure that knows when to try again (a server's Retry-After, a GPU
// that is short of memory for a moment).
type Delayed interface {
	error
	RetryAfter() time.Duration
}

// Classifier tells whether an error from a backend is permanent. Each inference package
// exports one; the worker asks them all in one place.
type Classifier func(error) bool

// mapError is the one place where a handler's error becomes asynq's decision: nil stays nil,
// permanent errors (PermanentError, a payload that does not decode, a task larger than the whole
// GPU, what a classifier calls
// permanent) wrap asynq.SkipRetry (archived at once, reason kept), everything else is returned
// as is and retried.
func mapError(err error, permanent []Classifier) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, asynq.SkipRetry) {
		return err
	}
	var pe *PermanentError
	if errors.As(err, &pe) || errors.Is(err, gpu.ErrTaskExceedsGPU) || errors.Is(err, tasks.ErrBadPayload) {
		return archive{err}
	}
	for _, isPermanent := range permanent {
		if isPermanent(err) {
			return archive{err}
		}
	}
	return err
}

// archive makes asynq archive a task at once (it matches asynq.SkipRetry) while its text, the
// reason a person reads on the archived task, stays the backend's own.
type archive struct{ error }

func (a archive) Unwrap() []error { return []error{a.error, asynq.SkipRetry} }

// RetryPolicy is the delay before the n-th retry of a transient failure: exponential from Base,
// with jitter, capped at Max; a Delayed error's own delay wins.
type RetryPolicy struct {
	Base time.Duration
	Max  time.Duration
}

// Delay implements asynq.RetryDelayFunc.
func (p RetryPolicy) Delay(n int, err error, _ *asynq.Task) time.Duration {
	d := p.Base
	for i := 0; i < n && d < p.Max; i++ {
		d *= 2
	}
	if d > p.Max {
		d = p.Max
	}
	// Up to 25% jitter so a fleet that failed together does not retry together.
	d += time.Duration(rand.Int64N(int64(d)/4 + 1))
	var del Delayed
	if errors.As(err, &del) && del.RetryAfter() > 0 {
		return del.RetryAfter()
	}
	var vram *gpu.InsufficientVRAMError
	if errors.As(err, &vram) && vram.RetryAfter > 0 {
		return vram.RetryAfter
	}
	return d
}

// isFailure tells asynq which errors count against a task's retries. Waiting for GPU memory is
// not a failure of the task, nor is a worker that lost its inference session: the task is put
// back with a short delay as often as it takes, without using up max_retry.
func isFailure(err error) bool {
	return err != nil && !errors.Is(err, gpu.ErrInsufficientVRAM) && !queueUnusable(err) && !errors.Is(err, ErrFenced)
}
