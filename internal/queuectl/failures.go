package queuectl

import (
	"context"
	"time"

	"github.com/hibiken/asynq"

	"github.com/mediafleet/mediafleet/tasks"
)

// Failure is one archived task of a file: it failed for good, and this is why.
type Failure struct {
	Kind     string    `json:"kind"`
	Queue    string    `json:"queue"`
	Frame    int       `json:"frame"`
	Reason   string    `json:"reason"`
	FailedAt time.Time `json:"failed_at"`
}

// failurePage is how many archived tasks one Inspector call reads.
const failurePage = 500

// FailuresOf lists the archived tasks of the fleet's queues whose asset is one of paths,
// newest first within each queue. asynq keeps at most 10,000 archived tasks a queue, so this
// reads a bounded number of them.
func (c *Controller) FailuresOf(ctx context.Context, paths ...string) ([]Failure, error) {
	want := map[string]bool{}
	for _, p := range paths {
		want[p] = true
	}
	var out []Failure
	for _, q := range c.Queues() {
		if c.missing(q) {
			continue
		}
		for page := 1; ; page++ {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			list, err := c.insp.ListArchivedTasks(q, asynq.PageSize(failurePage), asynq.Page(page))
			if err != nil {
				return out, err
			}
			for _, t := range list {
				v, err := tasks.ViewOf(t.Type, t.Payload)
				if err != nil || !want[v.Path] {
					continue
				}
				out = append(out, Failure{Kind: string(v.Kind), Queue: q, Frame: v.Frame, Reason: t.LastErr, FailedAt: t.LastFailedAt})
			}
			if len(list) < failurePage {
				break
			}
		}
	}
	return out, nil
}
