package gpu

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// ErrInsufficientVRAM means the pinned GPU has too little free memory for a task right now; the
// condition is transient. Errors from [Admission.Reserve] match it through [InsufficientVRAMError].
var ErrInsufficientVRAM = errors.New("insufficient free GPU memory")

// ErrTaskExceedsGPU means a task asks for more memory than the pinned GPU has even when idle;
// waiting will not help, so the configuration (the task's need or the GPU) must change.
var ErrTaskExceedsGPU = errors.New("task needs more memory than the GPU has")

// InsufficientVRAMError says how short the GPU was and when to try again. It matches
// [ErrInsufficientVRAM] under errors.Is.
type InsufficientVRAMError struct {
	Device      DeviceInfo    // the pinned GPU as read for this decision
	NeedMiB     int64         // what the task asked for
	ReservedMiB int64         // what this process's running tasks had reserved
	HeadroomMiB int64         // what admission keeps free
	RetryAfter  time.Duration // a short delay after which the task should be tried again
}

// Error says which GPU was short, by how much, and when to retry.
func (e *InsufficientVRAMError) Error() string {
	return fmt.Sprintf("GPU %d (%s) has %d MiB free, %d MiB of it reserved by running tasks and %d MiB kept as headroom; the task needs %d MiB: retry in %s",
		e.Device.Index, e.Device.UUID, e.Device.FreeMiB(), e.ReservedMiB, e.HeadroomMiB, e.NeedMiB, e.RetryAfter)
}

// Is makes errors.Is(err, ErrInsufficientVRAM) true.
func (e *InsufficientVRAMError) Is(target error) bool { return target == ErrInsufficientVRAM }

// AdmissionConfig configures an [Admission]. Zero durations take the defaults noted.
type AdmissionConfig struct {
	// Provider reads the GPU's free memory. Required.
	Provider Provider
	// UUID is the pinned GPU. Required.
	UUID string
	// HeadroomMiB is memory admission leaves free for fragmentation and other processes.
	HeadroomMiB int64
	// RetryAfter is the delay an InsufficientVRAMError suggests; default 5 s.
	RetryAfter time.Duration
	// MaxWait is how long Reserve waits for memory before giving up; 0 means do not wait.
	MaxWait time.Duration
	// PollInterval is how often a waiting Reserve re-reads free memory; default 500 ms. A release
	// by another task of this process wakes it at once.
	PollInterval time.Duration
	// Clock is the time source; default SystemClock.
	Clock Clock
}

// Admission admits tasks onto one GPU while the GPU's free memory, less what this process's
// admitted tasks have reserved and the headroom, covers each new task's need. It counts a
// reservation until the task releases it, even after the task's allocations show up in the
// GPU's used memory, so it errs on the side of admitting too few. A nil *Admission (CPU mode)
// admits everything. Safe for concurrent use.
type Admission struct {
	cfg      AdmissionConfig
	mu       sync.Mutex
	reserved int64
	changed  chan struct{} // closed and replaced on every release
}

// NewAdmission checks cfg and returns an Admission for the GPU it names.
func NewAdmission(cfg AdmissionConfig) (*Admission, error) {
	if cfg.Provider == nil || cfg.UUID == "" {
		return nil, errors.New("gpu admission needs a Provider and the pinned GPU's UUID")
	}
	if cfg.HeadroomMiB < 0 || cfg.MaxWait < 0 || cfg.RetryAfter < 0 || cfg.PollInterval < 0 {
		return nil, fmt.Errorf("gpu admission: negative headroom, wait or interval in %+v", cfg)
	}
	cfg.RetryAfter = cmp.Or(cfg.RetryAfter, 5*time.Second)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, 500*time.Millisecond)
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	return &Admission{cfg: cfg, changed: make(chan struct{})}, nil
}

// Reserve admits a task needing mib MiB of GPU memory and returns the func that gives the
// reservation back (call it when the task ends; calling it twice is harmless). When memory is
// short it waits up to MaxWait, then returns an [InsufficientVRAMError]; a task larger than the
// whole GPU gets [ErrTaskExceedsGPU] at once; a failed read of the GPU is returned as is.
func (a *Admission) Reserve(ctx context.Context, mib int64) (release func(), err error) {
	if a == nil || mib == 0 {
		return func() {}, nil
	}
	if mib < 0 {
		return nil, fmt.Errorf("gpu admission: a task cannot need %d MiB", mib)
	}
	deadline := a.cfg.Clock.Now().Add(a.cfg.MaxWait)
	for {
		release, short, changed, err := a.try(ctx, mib)
		if err != nil || short == nil {
			return release, err
		}
		left := deadline.Sub(a.cfg.Clock.Now())
		if left <= 0 {
			return nil, short
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %d MiB on GPU %s: %w", mib, a.cfg.UUID, ctx.Err())
		case <-changed:
		case <-a.cfg.Clock.After(min(left, a.cfg.PollInterval)):
		}
	}
}

// ReservedMiB is what this process's admitted tasks hold now.
func (a *Admission) ReservedMiB() int64 {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reserved
}

// try makes one admission decision. It returns a release func on success, or the shortfall and
// the channel that closes on the next release.
func (a *Admission) try(ctx context.Context, mib int64) (func(), *InsufficientVRAMError, <-chan struct{}, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, err := a.cfg.Provider.Device(ctx, a.cfg.UUID)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading free memory of GPU %s: %w", a.cfg.UUID, err)
	}
	if usable := int64(d.MemoryTotal>>20) - a.cfg.HeadroomMiB; mib > usable {
		return nil, nil, nil, fmt.Errorf("%w: a task needs %d MiB, %s keeps %d MiB as headroom and has %d MiB usable",
			ErrTaskExceedsGPU, mib, d, a.cfg.HeadroomMiB, usable)
	}
	if d.FreeMiB()-a.reserved-a.cfg.HeadroomMiB >= mib {
		a.reserved += mib
		var once sync.Once
		return func() { once.Do(func() { a.release(mib) }) }, nil, nil, nil
	}
	return nil, &InsufficientVRAMError{
		Device: d, NeedMiB: mib, ReservedMiB: a.reserved, HeadroomMiB: a.cfg.HeadroomMiB, RetryAfter: a.cfg.RetryAfter,
	}, a.changed, nil
}

func (a *Admission) release(mib int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reserved -= mib
	close(a.changed)
	a.changed = make(chan struct{})
}

// CheckFits refuses, at start, queues whose tasks could never be admitted on dev: a need (MiB,
// by queue name) above the GPU's whole memory less the headroom. Each such task would otherwise
// be archived with [ErrTaskExceedsGPU] one by one.
func CheckFits(dev DeviceInfo, headroomMiB int64, needs map[string]int64) error {
	usable := int64(dev.MemoryTotal>>20) - headroomMiB
	var bad []error
	for _, q := range slices.Sorted(maps.Keys(needs)) {
		if needs[q] > usable {
			bad = append(bad, fmt.Errorf("queue %s: vram_mib %d is more than %s can ever give a task (%d MiB of memory, %d MiB kept as headroom): lower vram_mib or pin a larger GPU",
				q, needs[q], dev, dev.MemoryTotal>>20, headroomMiB))
		}
	}
	return errors.Join(bad...)
}
