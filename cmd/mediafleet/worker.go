package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/inference/captions"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/keyframes"
	"github.com/mediafleet/mediafleet/internal/redact"
	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/redisfull"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker"
	"github.com/mediafleet/mediafleet/worker/registry"
	"github.com/mediafleet/mediafleet/worker/stats"
)

func (a *app) workerCmd() *cobra.Command {
	var (
		queues, gpu, grace, metrics string
		untilEmpty, requireGPU      bool
	)
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Drain the queues: one server per queue, each with its own concurrency",
		Long: `worker serves the configured queues (or those named by --queues) until SIGTERM or Ctrl-C:
then it stops fetching, lets in-flight tasks finish within worker.shutdown_grace and puts the
rest back in their queue. With --until-empty it exits 0 once its queues are drained.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.load(func(c *configs.Config) error {
				if queues != "" {
					if err := c.SetQueues(queues); err != nil {
						return fmt.Errorf("--queues: %w", err)
					}
				}
				if gpu != "" {
					c.Worker.GPU = gpu
				}
				if requireGPU {
					c.Worker.RequireGPU = true
				}
				if metrics != "" {
					c.Worker.MetricsListen = metrics
				}
				if grace != "" {
					return setDuration(&c.Worker.ShutdownGrace, grace, "--shutdown-grace")
				}
				return nil
			})
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			w, err := a.buildWorker(cmd, cfg)
			if err != nil {
				return err
			}
			defer w.close()
			return a.runWorker(ctx, cfg, w, untilEmpty)
		},
	}
	f := cmd.Flags()
	f.StringVar(&queues, "queues", "", "queues and concurrency, e.g. keyframes=2,faces=4,captions=1 (env MEDIAFLEET_QUEUES)")
	f.StringVar(&gpu, "gpu", "", "GPU to pin: an index, GPU-<uuid> or auto (env MEDIAFLEET_GPU)")
	f.BoolVar(&requireGPU, "require-gpu", false, "refuse to start when a GPU queue cannot get its GPU")
	f.BoolVar(&untilEmpty, "until-empty", false, "exit 0 once the served queues have nothing pending, scheduled, retrying or active")
	f.StringVar(&grace, "shutdown-grace", "", "time in-flight tasks get after SIGTERM (env MEDIAFLEET_SHUTDOWN_GRACE)")
	f.StringVar(&metrics, "metrics-listen", "", "serve Prometheus metrics here, e.g. 127.0.0.1:9090 (env MEDIAFLEET_METRICS_LISTEN)")
	return cmd
}

// runningWorker is a worker process's fleet and what it must release at the end.
type runningWorker struct {
	fleet   *worker.Fleet
	reg     *registry.Registry
	info    registry.WorkerInfo // this worker's identity in the registry
	gpu     *gpu.Setup
	rdb     redis.UniversalClient
	metrics *worker.Metrics
	closers []func()
}

func (w *runningWorker) close() {
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
}

// buildWorker opens the store and the backends of every served queue and wires the fleet. Any
// queue that cannot run (a missing model, ffmpeg absent) stops the start with what to fix.
func (a *app) buildWorker(cmd *cobra.Command, cfg *configs.Config) (*runningWorker, error) {
	ctx := cmd.Context()
	w := &runningWorker{}
	fail := func(err error) (*runningWorker, error) { w.close(); return nil, err }

	rdb, err := redisconn.OpenRedis(ctx, cfg.RedisURL)
	if err != nil {
		return fail(err)
	}
	w.closers = append(w.closers, func() { rdb.Close() })
	w.rdb = rdb
	w.reg = registry.New(rdb, cfg.QueuePrefix, a.log)
	w.info = registry.NewWorkerInfo(version)
	opt, _ := redisconn.ParseRedisURL(cfg.RedisURL)
	opt = redisconn.Patient(opt) // ride out a Redis restart or failover (see Patient)
	client := asynq.NewClient(opt)
	w.closers = append(w.closers, func() { client.Close() })
	st, err := store.Open(ctx, cfg.StorePath())
	if err != nil {
		return fail(err)
	}
	w.closers = append(w.closers, func() { st.Close() })
	a.log.Info().Str("redis", redact.URL(cfg.RedisURL)).Str("store", redact.URL(cfg.StorePath())).
		Str("data_dir", cfg.DataDir).Msg("worker connected")
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fail(fmt.Errorf("data_dir %s: %w", cfg.DataDir, err))
	}

	g, err := a.setupGPU(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	w.gpu = g
	w.closers = append(w.closers, g.Close)
	var prov gpu.Provider
	var dev gpu.DeviceInfo
	if g != nil {
		prov, dev = g.Provider, g.Dev
	}
	w.metrics = worker.NewMetrics(func() map[string]int {
		if w.fleet == nil {
			return nil
		}
		return w.fleet.InFlight()
	}, prov, dev)

	versions, _ := inference.Versions(cfg)
	roots := worker.Roots(cfg.MediaRoots)
	if len(roots) == 0 {
		a.log.Warn().Msg("no media_roots set: this worker reads any file a task names, wherever a symbolic link points; set MEDIAFLEET_MEDIA_ROOTS (or media_roots) to the folders of the library")
	}
	var specs []worker.QueueSpec
	for _, name := range cfg.QueueNames() {
		kind, _ := tasks.ParseKind(name)
		q := cfg.Queues[name]
		var h asynq.Handler
		switch kind {
		case tasks.Keyframes:
			ex := inference.Keyframes(cfg)
			if err := ex.Check(ctx); err != nil {
				return fail(fmt.Errorf("queue keyframes: %w", err))
			}
			kh := &worker.KeyframesHandler{Extractor: ex, Store: st, DataDir: cfg.DataDir, Roots: roots, Client: client,
				Room:     func(ctx context.Context) error { return redisfull.Room(ctx, rdb) },
				FollowUp: worker.FollowUp{Versions: versions, Options: taskOptions(cfg)}}
			h = worker.Adapt(kh.Handle)
		case tasks.Persons:
			ph := &worker.PersonsHandler{Store: st, Params: personsParams(cfg), Batch: cfg.Persons.Batch}
			h = worker.Adapt(ph.Handle)
		default:
			hh, closeFn, err := a.buildInferenceHandler(ctx, cfg, kind, st, rdb, roots, g, w.metrics)
			if err != nil {
				return fail(err)
			}
			if hh == nil {
				continue // the builder said why, once
			}
			if closeFn != nil {
				w.closers = append(w.closers, closeFn)
			}
			h = hh
			if kind == tasks.Faces {
				pl := &worker.PersonsPlanner{Client: client, Options: taskOptions(cfg)[tasks.Persons], Window: cfg.Persons.Window}
				h = pl.After(h)
			}
		}
		specs = append(specs, worker.QueueSpec{Kind: kind, Concurrency: q.Concurrency, Handler: h})
	}
	fl, err := worker.New(worker.Config{
		Redis: opt, Prefix: cfg.QueuePrefix, Queues: specs, ShutdownGrace: cfg.Worker.ShutdownGrace,
		Retry:     worker.RetryPolicy{Base: cfg.Worker.RetryBaseDelay, Max: cfg.Worker.RetryMaxDelay},
		Permanent: []worker.Classifier{keyframes.IsPermanent, faces.IsPermanent, captions.IsPermanent, store.IsPermanent},
		Log:       a.log, Stats: stats.NewBuffered(rdb, nil, time.Second), Observe: w.metrics.Observe, Tracker: w.reg.Tasks(w.info.ID),
	})
	if err != nil {
		return fail(err)
	}
	w.fleet = fl
	return w, nil
}
