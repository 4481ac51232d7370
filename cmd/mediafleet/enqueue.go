package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/enqueuer"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/tasks"
)

func (a *app) enqueueCmd() *cobra.Command {
	var (
		spec, kinds        string
		all, dryRun, asJSN bool
		workers            int
		maxPending         int
	)
	cmd := &cobra.Command{
		Use:   "enqueue --catalog dir:PATH|jsonl:FILE|vlmph:DB",
		Short: "Turn a media catalog into tasks (videos: keyframes; photos: faces and captions)",
		Long: `enqueue streams the catalog, skips the work whose result the store already holds for the
same model version (unless --all), and enqueues the rest with stable task ids, so running it
again over an unchanged catalog adds nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if spec == "" {
				spec = os.Getenv("MEDIAFLEET_CATALOG")
			}
			if spec == "" {
				return usageError{errors.New("--catalog is required: dir:PATH, jsonl:FILE or vlmph:DB (env MEDIAFLEET_CATALOG)")}
			}
			ks, err := tasks.ParseKinds(kinds)
			if err != nil {
				return usageError{err}
			}
			cfg, err := a.load(func(c *configs.Config) error {
				if cmd.Flags().Changed("max-pending") {
					c.Enqueue.MaxPending = maxPending
				}
				return nil
			})
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			pm, _ := catalog.ParsePathMap(cfg.PathMap)
			src, err := catalog.Open(spec, pm, a.log)
			if err != nil {
				return err
			}
			st, err := store.Open(ctx, cfg.StorePath())
			if err != nil {
				return err
			}
			defer st.Close()

			var sender enqueuer.Sender
			if !dryRun {
				rdb, err := redisconn.WaitRedis(ctx, cfg.RedisURL, cfg.Enqueue.RedisWait, func(err error) {
					a.log.Warn().Err(err).Dur("wait", cfg.Enqueue.RedisWait).Msg("waiting for Redis")
				})
				if err != nil {
					return err
				}
				defer rdb.Close()
				sender = enqueuer.NewBatchClient(rdb)
			}
			versions, unavailable := inference.Versions(cfg)
			opts := enqueuer.Options{Kinds: ks, Versions: versions, Unavailable: unavailable,
				Task: taskOptions(cfg), All: all, DryRun: dryRun, Workers: workers, Log: a.log,
				MaxPending: cfg.Enqueue.MaxPending, Fanout: cfg.Keyframes.MaxFrames, RedisWait: cfg.Enqueue.RedisWait}
			if !asJSN && isTerminal(os.Stderr) {
				opts.Progress = newProgress(os.Stderr)
			}
			e, err := enqueuer.New(sender, st, opts)
			if err != nil {
				return err
			}
			sum, runErr := e.Run(ctx, src)
			if asJSN {
				if err := printJSON(sum); err != nil {
					return err
				}
			} else {
				fmt.Println(sum.Line())
			}
			if runErr != nil {
				return runErr
			}
			if sum.Errors > 0 {
				return fmt.Errorf("%d tasks could not be enqueued; first: %v", sum.Errors, sum.ErrorSamples)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&spec, "catalog", "", "catalog: dir:PATH, jsonl:FILE or vlmph:DB (env MEDIAFLEET_CATALOG)")
	f.StringVar(&kinds, "kinds", "", "kinds to plan, comma-separated: keyframes,faces,captions (default all)")
	f.BoolVar(&all, "all", false, "plan every task, also those whose result the store already holds")
	f.BoolVar(&dryRun, "dry-run", false, "plan and count without writing to Redis")
	f.BoolVar(&asJSN, "json", false, "print the summary as one JSON document")
	f.IntVar(&workers, "workers", 8, "goroutines that send batches of tasks to Redis at once")
	f.IntVar(&maxPending, "max-pending", 0, "keep each queue's backlog at most this many tasks, waiting for the fleet while one is full (0: no limit; config enqueue.max_pending)")
	return cmd
}

// taskOptions is the enqueue settings of each kind: queue prefix, retries and timeout (of a
// kind this process does not serve, the defaults': configs.QueueOrDefault).
func taskOptions(cfg *configs.Config) map[tasks.Kind]tasks.Options {
	out := map[tasks.Kind]tasks.Options{}
	for _, k := range tasks.AllKinds() {
		o := tasks.Options{Prefix: cfg.QueuePrefix}
		if q, ok := cfg.QueueOrDefault(string(k)); ok {
			o.MaxRetry, o.Timeout = q.MaxRetry, q.Timeout
		}
		out[k] = o
	}
	return out
}
