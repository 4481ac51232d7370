package enqueuer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
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
		_, errs[i] = s.Client.EnqueueContext(ctx, asynqtask.FromEnvelope(e))
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
	// MaxPending, when above 0, keeps each queue's backlog (pending, scheduled and retrying
	// tasks) at most this many: a task that finds its queue full waits, and planning with it,
	// reading the catalog no further, until the fleet makes room. A keyframes task also needs
	// room for Fanout tasks in each queue its frames feed, for itself and for every keyframes
	// task not finished yet. The Sender must be a BoundedSender.
	MaxPending int
	// Fanout is the most tasks of each kind one keyframes task enqueues for its frames (the
	// keyframes max_frames setting); default 50.
	Fanout int
	// KeepFree is the Redis memory, in bytes, an enqueue leaves free below maxmemory so the
	// workers can still take and finish tasks (a Redis at its limit refuses their writes too):
	// 0 for 5% of maxmemory and at least 1 MiB, below 0 for none. It needs a Sender that is a
	// MemoryReader; the first out-of-memory answer stops a run in any case.
	KeepFree int64
	// RedisWait is how long a batch that finds Redis unavailable (down, restarting, failing
	// over) keeps being sent again, every Poll, before its tasks count as errors; 0: no waiting.
	RedisWait time.Duration
	// Poll is how often tasks refused for a full queue are offered again (default 500 ms).
	Poll time.Duration
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
	if opt.MaxPending < 0 {
		return nil, fmt.Errorf("enqueuer: max pending %d: use a number above 0, or 0 for no limit", opt.MaxPending)
	}
	if _, ok := client.(BoundedSender); opt.MaxPending > 0 && !opt.DryRun && !ok {
		return nil, errors.New("enqueuer: this client cannot keep a queue's backlog bounded (max pending)")
	}
	if opt.Fanout <= 0 {
		opt.Fanout = 50
	}
	if opt.Poll <= 0 {
		opt.Poll = 500 * time.Millisecond
	}
	if opt.MaxPending > 0 && opt.MaxPending < opt.Fanout && slices.Contains(opt.Kinds, tasks.Keyframes) {
		return nil, fmt.Errorf("enqueuer: max pending %d is below the %d frames one video may add to a queue (keyframes max_frames): "+
			"raise --max-pending, or lower max_frames", opt.MaxPending, opt.Fanout)
	}
	return &Enqueuer{client: client, done: done, opt: opt}, nil
}

// counters are the run's tallies, updated from many goroutines.
type counters struct {
	enqueued, already, errors atomic.Int64
	mu                        sync.Mutex
	samples                   []string
	failed                    map[string]int // archived tasks met, by kind
	// full is why Redis took no more: it stops the run.
	full *RedisFullError
}

// redisFull records why Redis takes no more, the first reason only.
func (c *counters) redisFull(err *RedisFullError) {
	c.mu.Lock()
	if c.full == nil {
		c.full = err
	}
	c.mu.Unlock()
}

// archived counts a task an earlier run archived, by its kind.
func (c *counters) archived(taskType string) {
	k, _ := tasks.KindOfType(taskType)
	c.mu.Lock()
	if c.failed == nil {
		c.failed = map[string]int{}
	}
	c.failed[string(k)]++
	c.mu.Unlock()
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
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		c     counters
		sumMu sync.Mutex
		sum   = Summary{DryRun: e.opt.DryRun, Planned: map[string]int{}}
	)
	s := sender{e: e, c: &c, stop: cancel}
	if m, ok := e.client.(MemoryReader); ok && !e.opt.DryRun {
		s.mem = &memWatch{mem: m, reserve: e.opt.KeepFree}
	}
	if b, ok := e.client.(BoundedSender); ok && e.opt.MaxPending > 0 && !e.opt.DryRun {
		s.bounded, s.bound = b, e.bound()
		s.wait = &waiter{backlog: backlogOf(e.client), max: e.opt.MaxPending, added: &c.enqueued,
			log: func(w Wait) {
				e.opt.Log.Info().Str("queue", w.Queue).Int("waiting", w.Waiting).Int("max_pending", w.MaxPending).
					Msg("queue full: waiting for the fleet to make room")
			}}
	}
	snd := s
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
		s.FailedKinds = copyMap(c.failed)
		s.Failed = 0
		for _, n := range c.failed {
			s.Failed += n
		}
		c.mu.Unlock()
		if w := snd.wait; w != nil {
			s.Waiting = w.current()
		}
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
			snd.loop(ctx, work)
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
	final := snapshot()
	final.Waiting = nil
	if e.opt.Progress != nil {
		e.opt.Progress(final)
	}
	if c.full != nil {
		c.full.Enqueued = final.Enqueued
		return final, c.full
	}
	if err := parent.Err(); err != nil {
		return final, fmt.Errorf("stopped before the whole catalog was enqueued (run it again to carry on): %w", err)
	}
	if scanErr != nil {
		return final, fmt.Errorf("reading %s: %w", src.Name(), scanErr)
	}
	return final, nil
}

// bound is the run's backlog limit in queue names.
func (e *Enqueuer) bound() Bound {
	b := Bound{MaxPending: e.opt.MaxPending, Fanout: e.opt.Fanout}
	for _, k := range []tasks.Kind{tasks.Faces, tasks.Captions} {
		if e.opt.Versions[k] != "" {
			b.Down = append(b.Down, tasks.QueueName(e.opt.Task[k].Prefix, k))
		}
	}
	return b
}

func backlogOf(s Sender) Backlog {
	if b, ok := s.(Backlog); ok {
		return b
	}
	return noBacklog{}
}

// noBacklog answers for a Sender that cannot read queues: the wait shows no count.
type noBacklog struct{}

func (noBacklog) Backlog(context.Context, string) (int, int, error) { return 0, 0, nil }

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
