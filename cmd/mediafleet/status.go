package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/hibiken/asynq"
	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker/stats"
)

// queueStatus is one queue's line of `mediafleet status`; its JSON is the --json contract.
type queueStatus struct {
	Queue     string  `json:"queue"`
	Kind      string  `json:"kind"`
	Paused    bool    `json:"paused"`
	Pending   int     `json:"pending"`
	Active    int     `json:"active"`
	Scheduled int     `json:"scheduled"`
	Retry     int     `json:"retry"`
	Archived  int     `json:"archived"`
	Completed int     `json:"completed"`
	Processed int     `json:"processed"`
	Failed    int     `json:"failed"`
	PerMinute float64 `json:"per_minute"`
	// ETASeconds is the time left for pending+scheduled+retry+active at the recent rate; null
	// when nothing finished lately.
	ETASeconds *float64 `json:"eta_seconds"`
}

func (a *app) statusCmd() *cobra.Command {
	var (
		asJSON  bool
		minutes int
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Per queue: pending, active, scheduled, retry, archived, completed, processed, failed, throughput and ETA",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.load(nil)
			if err != nil {
				return err
			}
			if err := configs.CheckRedis(cmd.Context(), cfg.RedisURL); err != nil {
				return err
			}
			rows, err := collectStatus(cmd, cfg, minutes)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(map[string]any{"queues": rows, "window_minutes": minutes})
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(w, "QUEUE\tPENDING\tACTIVE\tSCHEDULED\tRETRY\tARCHIVED\tCOMPLETED\tPROCESSED\tFAILED\tPER MIN\tETA\t")
			for _, r := range rows {
				eta := "-"
				if r.ETASeconds != nil {
					eta = (time.Duration(*r.ETASeconds) * time.Second).Round(time.Second).String()
				}
				name := r.Queue
				if r.Paused {
					name += " (paused)"
				}
				fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t%s\t\n", name, r.Pending, r.Active,
					r.Scheduled, r.Retry, r.Archived, r.Completed, r.Processed, r.Failed, r.PerMinute, eta)
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	cmd.Flags().IntVar(&minutes, "window", 5, "minutes of history the throughput and ETA are computed over")
	return cmd
}

func collectStatus(cmd *cobra.Command, cfg *configs.Config, minutes int) ([]queueStatus, error) {
	opt, _ := configs.ParseRedisURL(cfg.RedisURL)
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	rdb, err := configs.RedisClient(cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	defer rdb.Close()
	counter := stats.New(rdb, nil)
	existing, err := insp.Queues()
	if err != nil {
		return nil, fmt.Errorf("listing queues: %w", err)
	}
	have := map[string]bool{}
	for _, q := range existing {
		have[q] = true
	}
	var rows []queueStatus
	for _, k := range tasks.AllKinds() {
		name := tasks.QueueName(cfg.QueuePrefix, k)
		r := queueStatus{Queue: name, Kind: string(k)}
		if have[name] {
			info, err := insp.GetQueueInfo(name)
			if err != nil {
				return nil, fmt.Errorf("queue %s: %w", name, err)
			}
			r.Paused, r.Pending, r.Active, r.Scheduled, r.Retry = info.Paused, info.Pending, info.Active, info.Scheduled, info.Retry
			r.Archived, r.Completed, r.Processed, r.Failed = info.Archived, info.Completed, info.Processed, info.Failed
		}
		rate, err := counter.Rate(cmd.Context(), name, minutes)
		if err != nil {
			return nil, err
		}
		r.PerMinute = rate.PerMinute
		if eta, ok := stats.ETA(r.Pending+r.Scheduled+r.Retry+r.Active, rate); ok {
			s := eta.Seconds()
			r.ETASeconds = &s
		}
		rows = append(rows, r)
	}
	return rows, nil
}
