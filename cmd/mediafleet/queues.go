package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/hibiken/asynq"
	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/internal/queuectl"
	"github.com/mediafleet/mediafleet/internal/redisconn"
)

func (a *app) queuesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "queues",
		Short: "List, pause, resume and drain queues; retry or purge archived tasks",
		Long: `Act on the fleet's queues. NAME is a kind (keyframes, faces, captions), which gets the
configured queue prefix, or a full queue name.`,
	}
	cmd.AddCommand(a.queuesListCmd(), a.queuesPauseCmd(), a.queuesResumeCmd(), a.queuesRetryCmd(),
		a.queuesPurgeCmd(), a.queuesDrainCmd())
	return cmd
}

// withQueues loads the config, checks Redis and hands a Controller to fn.
func (a *app) withQueues(ctx context.Context, fn func(*queuectl.Controller) error) error {
	cfg, err := a.load(nil)
	if err != nil {
		return err
	}
	if err := redisconn.CheckRedis(ctx, cfg.RedisURL); err != nil {
		return err
	}
	opt, err := redisconn.ParseRedisURL(cfg.RedisURL)
	if err != nil {
		return err
	}
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	return fn(queuectl.New(insp, cfg.QueuePrefix))
}

// onQueue resolves NAME, then runs fn on the queue.
func (a *app) onQueue(cmd *cobra.Command, name string, fn func(*queuectl.Controller, string) error) error {
	return a.withQueues(cmd.Context(), func(c *queuectl.Controller) error {
		q, err := c.Resolve(cmd.Context(), name)
		if err != nil {
			return usageError{err}
		}
		return fn(c, q)
	})
}

func (a *app) queuesListCmd() *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Each queue of the fleet with its counts and paused state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withQueues(cmd.Context(), func(c *queuectl.Controller) error {
				rows, err := c.List(cmd.Context(), all)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if asJSON {
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					return enc.Encode(map[string]any{"queues": rows})
				}
				return printQueues(out, rows)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	cmd.Flags().BoolVar(&all, "all", false, "every queue in Redis, not only this fleet's (its prefix)")
	return cmd
}

func printQueues(out io.Writer, rows []queuectl.State) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "QUEUE\tSTATE\tPENDING\tACTIVE\tSCHEDULED\tRETRY\tARCHIVED\tCOMPLETED\tPROCESSED\tFAILED\tLATENCY")
	for _, r := range rows {
		state := "running"
		switch {
		case !r.Exists:
			state = "empty"
		case r.Paused:
			state = "paused"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.Queue, state, r.Pending, r.Active,
			r.Scheduled, r.Retry, r.Archived, r.Completed, r.Processed, r.Failed, r.Latency.Round(time.Millisecond))
	}
	return w.Flush()
}

func (a *app) queuesPauseCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "pause NAME",
		Short: "Stop workers from taking new tasks of a queue (running ones finish)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.onQueue(cmd, args[0], func(c *queuectl.Controller, q string) error {
				changed, err := c.Pause(cmd.Context(), q)
				if err != nil {
					return err
				}
				if !changed {
					fmt.Fprintf(cmd.OutOrStdout(), "%s was already paused\n", q)
					return nil
				}
				fmt.Fprintf(cmd.OutOrStdout(), "paused %s: workers take no new tasks from it\n", q)
				return nil
			})
		},
	}
}

func (a *app) queuesResumeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "resume NAME",
		Short: "Let workers take tasks of a paused queue again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.onQueue(cmd, args[0], func(c *queuectl.Controller, q string) error {
				changed, err := c.Resume(cmd.Context(), q)
				if err != nil {
					return err
				}
				if !changed {
					fmt.Fprintf(cmd.OutOrStdout(), "%s was not paused\n", q)
					return nil
				}
				fmt.Fprintf(cmd.OutOrStdout(), "resumed %s\n", q)
				return nil
			})
		},
	}
}

func (a *app) queuesRetryCmd() *cobra.Command {
	var kind string
	cmd := &cobra.Command{
		Use:   "retry-archived NAME",
		Short: "Move a queue's archived tasks back to pending so workers run them again",
		Long: `Move a queue's archived tasks back to pending so workers run them again. --kind keeps only
tasks of that kind's type; each mediafleet queue carries one kind, so naming another kind than
the queue's is refused as a mistake.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.onQueue(cmd, args[0], func(c *queuectl.Controller, q string) error {
				n, err := c.RetryArchived(cmd.Context(), q, kind)
				if err != nil {
					return err
				}
				what := "archived tasks"
				if kind != "" {
					what = "archived " + kind + " tasks"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "moved %d %s of %s back to pending\n", n, what, q)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "only tasks of this kind (keyframes, faces, captions)")
	return cmd
}

func (a *app) queuesPurgeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "purge-archived NAME",
		Short: "Delete every archived task of a queue",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.onQueue(cmd, args[0], func(c *queuectl.Controller, q string) error {
				n, err := c.PurgeArchived(cmd.Context(), q)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "deleted %d archived tasks of %s\n", n, q)
				return nil
			})
		},
	}
}

func (a *app) queuesDrainCmd() *cobra.Command {
	var poll, timeout time.Duration
	cmd := &cobra.Command{
		Use:   "drain NAME",
		Short: "Pause a queue and wait until its running tasks have finished",
		Long: `Pause a queue so workers take no new tasks from it, then wait until none of its tasks is
active, printing progress. The queue stays paused; resume it with 'mediafleet queues resume NAME'.
A task whose worker died counts as active until asynq recovers it, about a minute after its
lease runs out.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			return a.onQueue(cmd, args[0], func(c *queuectl.Controller, q string) error {
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "draining %s: paused, waiting for its active tasks to finish\n", q)
				last := -1
				s, err := c.Drain(ctx, q, poll, func(s queuectl.State) {
					if s.Active != last {
						fmt.Fprintf(out, "%s: %d active, %d pending\n", q, s.Active, s.Pending)
						last = s.Active
					}
				})
				if err != nil {
					return fmt.Errorf("draining %s: %d tasks still active: %w", q, s.Active, err)
				}
				fmt.Fprintf(out, "drained %s: no task running; %d pending stay queued while it is paused (resume with 'mediafleet queues resume %s')\n",
					q, s.Pending, args[0])
				return nil
			})
		},
	}
	cmd.Flags().DurationVar(&poll, "poll", queuectl.DefaultDrainPoll, "how often to read the queue")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up after this long (0: wait until done or interrupted)")
	return cmd
}
