package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/hibiken/asynq"
	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/internal/queuectl"
	"github.com/mediafleet/mediafleet/internal/redact"
	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/worker/stats"
)

// queueStatus is one queue's line of `mediafleet status`; its JSON is the --json contract:
// the queue's counts (pending, active, scheduled, retry, archived, completed, processed, failed)
// with its throughput and ETA.
type queueStatus struct {
	queuectl.State
	PerMinute float64 `json:"per_minute"`
	// ETASeconds is the time left for the backlog at the recent rate; null when nothing
	// finished lately.
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
			rows, err := collectStatus(cmd, cfg, minutes)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(map[string]any{"redis": redact.URL(cfg.RedisURL), "queues": rows, "window_minutes": minutes})
			}
			fmt.Printf("Redis %s\n", redact.URL(cfg.RedisURL))
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
	opt, _ := redisconn.ParseRedisURL(cfg.RedisURL)
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	rdb, err := redisconn.OpenRedis(cmd.Context(), cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	defer rdb.Close()
	states, err := queuectl.New(insp, cfg.QueuePrefix).List(cmd.Context(), false)
	if err != nil {
		return nil, err
	}
	fc := stats.NewForecaster(stats.New(rdb, nil), nil, minutes)
	rows := make([]queueStatus, 0, len(states))
	for _, st := range states {
		f, err := fc.Forecast(cmd.Context(), st.Queue, st.Backlog())
		if err != nil {
			return nil, err
		}
		r := queueStatus{State: st, PerMinute: f.PerMinute}
		if f.Known {
			secs := f.ETA.Seconds()
			r.ETASeconds = &secs
		}
		rows = append(rows, r)
	}
	return rows, nil
}
