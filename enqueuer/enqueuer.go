package enqueuer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/tasks"
)

// Sender puts planned tasks into Redis. errs[i] is nil when task i was added,
// asynq.ErrTaskIDConflict when its id is already queued, or what went wrong. BatchClient sends
// a batch in one round trip; ClientSender sends through an asynq.Client one task at a time.
type Sender interface {
	Send(ctx context.Context, batch []tasks.Envelope) []error
}

// ClientSender sends through asynq.Client, one task per round trip.
type ClientSender struct{ Client *asynq.Client }

// Send enqueues each task with EnqueueContext.
func (s ClientSender) Send(ctx context.Context, batch []tasks.Envelope) []error {
	errs := make([]error, len(batch))
	for i, e := range batch {
		_, errs[i] = s.Client.EnqueueContext(ctx, e.Task())
	}
	return errs
}

// DoneChecker tells which assets already have a result (store.Store does).
type DoneChecker interface {
	Done(ctx context.Context, kind string, modelVersion string, assetKeys []string) (map[string]bool, error)
}

// Options steer one run.
type Options struct {
	// Kinds limits the kinds planned; empty: all.
	Kinds []tasks.Kind
	// Versions is the model version of each kind. A kind with no version (captions without a
	// configured backend) is not planned, and its tasks count as skipped with the reason.
	Versions map[tasks.Kind]string
	// Unavailable says why a kind without a version cannot be planned.
	Unavailable map[tasks.Kind]string
	// Task holds the enqueue settings (prefix, retries, timeout) per kind.
	Task map[tasks.Kind]tasks.Options
	// All plans every task even when the store already holds its result.
	All bool
	// DryRun plans and counts without writing to Redis.
	DryRun bool
	// Workers is how many goroutines send at once (default 8).
	Workers int
	// SendBatch is the most tasks one Send carries (default 64).
	SendBatch int
	// Batch is how many assets are checked against the store at once (default 500).
	Batch int
	// Progress, when set, is called about every 200 ms with the counts so far, and once at the end.
	Progress func(Summary)
	Log      zerolog.Logger
}

// Enqueuer plans and enqueues the tasks of a catalog.
type Enqueuer struct {
	client Sender
	done   DoneChecker
	opt    Options
}

// New builds an Enqueuer. done may be nil when opt.All is set.
func New(client Sender, done DoneChecker, opt Options) (*Enqueuer, error) {
	if opt.Workers <= 0 {
		opt.Workers = 8
	}
	if opt.SendBatch <= 0 {
		opt.SendBatch = 64
	}
	if opt.Batch <= 0 {
		opt.Batch = 500
	}
	if len(opt.Kinds) == 0 {
		opt.Kinds = tasks.AssetKinds()
	}
	if done == nil && !opt.All {
		return nil, errors.New("enqueuer: no results store to check what is done: give one, or plan all with --all")
	}
	if client == nil && !opt.DryRun {
		return nil, errors.New("enqueuer: no Redis client")
	}
	return &Enqueuer{client: client, done: done, opt: opt}, nil
}

// counters are the run's tallies, updated from many goroutines.
type counters struct {
	enqueued, already, errors atomic.Int64
	mu                        sync.Mutex
	samples                   []string
}

func (c *counters) fail(err error) {
	c.errors.Add(1)
	c.mu.Lock()
	if len(c.samples) < 5 {
		c.samples = append(c.samples, err.Error())
	}
	c.mu.Unlock()
}

// Run streams src, plans and enqueues. It returns the summary even when it stops early, with
// the error that stopped it.
func (e *Enqueuer) Run(ctx context.Context, src catalog.Source) (Summary, error) {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		c     counters
		sumMu sync.Mutex
		sum   = Summary{DryRun: e.opt.DryRun, Planned: map[string]int{}}
	)
	snapshot := func() Summary {
		sumMu.Lock()
		s := sum
		s.Planned = copyMap(sum.Planned)
		s.SkippedReasons = copyMap(sum.SkippedReasons)
		sumMu.Unlock()
		s.Enqueued = int(c.enqueued.Load())
		s.AlreadyQueued = int(c.already.Load())
		s.Errors = int(c.errors.Load())
		c.mu.Lock()
		s.ErrorSamples = append([]string(nil), c.samples...)
		c.mu.Unlock()
		s.Elapsed = time.Since(start)
		if secs := s.Elapsed.Seconds(); secs > 0 {
			s.TasksPerSec = float64(s.Enqueued+s.AlreadyQueued) / secs
		}
		return s
	}

	work := make(chan tasks.Envelope, 2*e.opt.SendBatch*e.opt.Workers)
	var wg sync.WaitGroup
	for range e.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.sendLoop(ctx, work, &c)
		}()
	}
	stopProgress := e.progress(snapshot)

	p := planner{e: e, work: work, sum: &sum, mu: &sumMu, counters: &c}
	var batch []catalog.Asset
	stats, scanErr := src.Scan(ctx, func(a catalog.Asset) error {
		batch = append(batch, a)
		if len(batch) < e.opt.Batch {
			return nil
		}
		err := p.plan(ctx, batch)
		batch = batch[:0]
		return err
	})
	if scanErr == nil && len(batch) > 0 {
		scanErr = p.plan(ctx, batch)
	}
	close(work)
	wg.Wait()
	stopProgress()

	sumMu.Lock()
	for r, n := range stats.Skipped {
		sum.skip(r, n)
	}
	sumMu.Unlock()
	s := snapshot()
	if e.opt.Progress != nil {
		e.opt.Progress(s)
	}
	if scanErr != nil {
		return s, fmt.Errorf("reading %s: %w", src.Name(), scanErr)
	}
	return s, nil
}

// sendLoop takes what is waiting on work, up to SendBatch tasks, and sends it in one go.
func (e *Enqueuer) sendLoop(ctx context.Context, work <-chan tasks.Envelope, c *counters) {
	batch := make([]tasks.Envelope, 0, e.opt.SendBatch)
	for first := range work {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < e.opt.SendBatch {
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
		if e.opt.DryRun {
			c.enqueued.Add(int64(len(batch)))
			continue
		}
		for i, err := range e.client.Send(ctx, batch) {
			switch {
			case err == nil:
				c.enqueued.Add(1)
			case errors.Is(err, asynq.ErrTaskIDConflict), errors.Is(err, asynq.ErrDuplicateTask):
				c.already.Add(1)
			default:
				c.fail(fmt.Errorf("enqueue %s: %w", batch[i].ID, err))
			}
		}
	}
}

// progress calls opt.Progress every 200 ms until the returned stop func is called.
func (e *Enqueuer) progress(snapshot func() Summary) (stop func()) {
	if e.opt.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				e.opt.Progress(snapshot())
			}
		}
	}()
	return func() { close(done); <-finished }
}

func copyMap(m map[string]int) map[string]int {
	if m == nil {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
