package worker

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker/stats"
)

// QueueSpec is one queue a worker serves.
type QueueSpec struct {
	Kind        tasks.Kind
	Concurrency int
	Handler     asynq.Handler
}

// Config wires a Fleet.
type Config struct {
	Redis  asynq.RedisConnOpt
	Prefix string
	Queues []QueueSpec
	// ShutdownGrace is how long in-flight tasks may run on after a stop; the rest are requeued.
	ShutdownGrace time.Duration
	Retry         RetryPolicy
	// Permanent lists the backends' classifiers of permanent errors.
	Permanent []Classifier
	Log       zerolog.Logger
	// Stats, when set, tallies finished tasks; a buffered one is flushed when the fleet stops.
	Stats *stats.Counter
	// Observe, when set, sees every finished run (for metrics).
	Observe func(queue string, took time.Duration, err error)
	// Tracker, when set, records the tasks this worker runs (for recovery when it dies).
	Tracker TaskTracker
}

// Fleet is one worker process: an asynq.Server per queue, each with its own concurrency.
type Fleet struct {
	cfg      Config
	servers  map[string]*asynq.Server
	queues   []string
	handlers []asynq.Handler

	mu       sync.Mutex
	inFlight map[string]int
	stopped  map[string]string // queues no longer served, with the reason
	stopping sync.WaitGroup    // queues being stopped while the rest run
	running  map[string]context.CancelCauseFunc
	fenced   bool
}

// New checks the configuration and builds the servers. A queue without a handler, a duplicate
// queue or a concurrency below 1 is an error here, before anything runs.
func New(cfg Config) (*Fleet, error) {
	if len(cfg.Queues) == 0 {
		return nil, errors.New("worker: no queue to serve: configure at least one of keyframes, faces, captions")
	}
	if cfg.Retry.Base <= 0 {
		cfg.Retry = RetryPolicy{Base: 5 * time.Second, Max: 10 * time.Minute}
	}
	f := &Fleet{cfg: cfg, servers: map[string]*asynq.Server{}, inFlight: map[string]int{}, stopped: map[string]string{},
		running: map[string]context.CancelCauseFunc{}}
	for _, q := range cfg.Queues {
		name := tasks.QueueName(cfg.Prefix, q.Kind)
		if _, dup := f.servers[name]; dup {
			return nil, fmt.Errorf("worker: queue %s is configured twice", name)
		}
		if q.Handler == nil {
			return nil, fmt.Errorf("worker: queue %s has no handler: this worker cannot run %s tasks; leave the queue out of --queues", name, q.Kind)
		}
		if q.Concurrency < 1 {
			return nil, fmt.Errorf("worker: queue %s: concurrency %d must be above 0", name, q.Concurrency)
		}
		log := cfg.Log.With().Str("queue", name).Logger()
		srv := asynq.NewServer(cfg.Redis, asynq.Config{
			Concurrency:     q.Concurrency,
			Queues:          map[string]int{name: 1},
			RetryDelayFunc:  cfg.Retry.Delay,
			IsFailure:       isFailure,
			ShutdownTimeout: cfg.ShutdownGrace,
			Logger:          NewAsynqLogger(log),
			LogLevel:        asynq.WarnLevel,
		})
		mux := asynq.NewServeMux()
		mux.Handle(q.Kind.TypeName(), f.taskMiddleware(name, q.Handler))
		f.servers[name] = srv
		f.queues = append(f.queues, name)
		f.handlers = append(f.handlers, mux)
	}
	return f, nil
}

// Queues lists the queue names this fleet serves.
func (f *Fleet) Queues() []string { return append([]string(nil), f.queues...) }

// InFlight reports how many tasks of each queue run right now.
func (f *Fleet) InFlight() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.inFlight))
	for k, v := range f.inFlight {
		out[k] = v
	}
	return out
}

func (f *Fleet) track(queue string, d int) {
	f.mu.Lock()
	f.inFlight[queue] += d
	f.mu.Unlock()
}

// Run starts every server and blocks until ctx ends (then it shuts down gracefully) or, with
// untilEmpty, until every served queue has nothing pending, scheduled, retrying or active.
func (f *Fleet) Run(ctx context.Context, untilEmpty bool) error {
	started := make([]*asynq.Server, 0, len(f.queues))
	for i, name := range f.queues {
		srv := f.servers[name]
		if err := srv.Start(f.handlers[i]); err != nil {
			for _, s := range started {
				s.Shutdown()
			}
			return fmt.Errorf("worker: starting queue %s: %w", name, err)
		}
		started = append(started, srv)
	}
	f.cfg.Log.Info().Strs("queues", f.queues).Msg("worker started")
	var err error
	if untilEmpty {
		err = f.waitEmpty(ctx)
	} else {
		<-ctx.Done()
	}
	f.shutdown()
	return err
}

// shutdown stops every server at once (no new tasks anywhere), then waits for each to let its
// in-flight tasks finish within the grace; asynq requeues what is still running after that.
func (f *Fleet) shutdown() {
	names := append([]string(nil), f.queues...)
	sort.Strings(names)
	for _, n := range names {
		f.servers[n].Stop()
	}
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func(s *asynq.Server) { defer wg.Done(); s.Shutdown() }(f.servers[n])
	}
	wg.Wait()
	f.stopping.Wait()
	if f.cfg.Stats != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := f.cfg.Stats.Flush(ctx); err != nil {
			f.cfg.Log.Warn().Err(err).Msg("writing the last throughput tallies failed")
		}
	}
	f.cfg.Log.Info().Msg("worker stopped")
}

// Serves tells whether this fleet serves the queue.
func (f *Fleet) Serves(queue string) bool {
	_, ok := f.servers[queue]
	return ok
}
