package dashboard

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/hibiken/asynq"

	"github.com/mediafleet/mediafleet/internal/queuectl"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker/registry"
	"github.com/mediafleet/mediafleet/worker/stats"
)

// Fleet is everything the fleet page shows, also served as JSON at /api/fleet.
type Fleet struct {
	Prefix        string         `json:"prefix"`
	Now           time.Time      `json:"now"`
	WindowMinutes int            `json:"window_minutes"`
	ReadOnly      bool           `json:"read_only"`
	Queues        []QueueRow     `json:"queues"`
	Kinds         []KindRow      `json:"kinds"`
	Workers       []WorkerRow    `json:"workers"`
	Archived      []ArchivedTask `json:"archived"`
	// Problems are the parts that could not be read, each as a sentence.
	Problems []string `json:"problems,omitempty"`
}

// QueueRow is one queue's counts with its throughput and ETA.
type QueueRow struct {
	queuectl.State
	Forecast stats.Forecast `json:"forecast"`
}

// KindRow is the work of one kind across the fleet's queues.
type KindRow struct {
	Kind           string `json:"kind"`
	Backlog        int    `json:"backlog"`
	Archived       int    `json:"archived"`
	ProcessedTotal int    `json:"processed_total"`
	FailedTotal    int    `json:"failed_total"`
	// Share is this kind's part of the whole backlog, 0 to 100.
	Share float64 `json:"share_percent"`
}

// WorkerRow is one live worker as the registry has it.
type WorkerRow struct {
	registry.WorkerInfo
	// Seen is how long ago its latest heartbeat was.
	Seen time.Duration `json:"seen_ago_ns"`
}

// ArchivedTask is one task that failed for good, with why and where asynqmon shows it.
type ArchivedTask struct {
	Queue        string    `json:"queue"`
	ID           string    `json:"id"`
	Type         string    `json:"type"`
	Summary      string    `json:"summary"`
	LastErr      string    `json:"last_error"`
	LastFailedAt time.Time `json:"last_failed_at"`
	// Link is the task's page in asynqmon; QueueLink its queue's archived tab.
	Link      string `json:"link"`
	QueueLink string `json:"queue_link"`
}

// TaskLink is asynqmon's page of one task.
func TaskLink(queue, id string) string {
	return MonitoringPath + "/queues/" + url.PathEscape(queue) + "/tasks/" + url.PathEscape(id)
}

// ArchivedLink is asynqmon's list of a queue's archived tasks.
func ArchivedLink(queue string) string {
	return MonitoringPath + "/queues/" + url.PathEscape(queue) + "?status=archived"
}

// snapshot reads the whole fleet. Parts that fail are named in Problems; the rest still shows.
func (h *Handler) snapshot(ctx context.Context) Fleet {
	f := Fleet{Prefix: h.ctl.Prefix(), Now: h.now(), WindowMinutes: h.fc.Minutes(), ReadOnly: h.opts.ReadOnly}
	total := 0
	for _, q := range h.ctl.Queues() {
		s, err := h.ctl.State(ctx, q)
		if err != nil {
			f.Problems = append(f.Problems, err.Error())
			continue
		}
		fc, err := h.fc.Forecast(ctx, q, s.Backlog())
		if err != nil {
			f.Problems = append(f.Problems, err.Error())
		}
		f.Queues = append(f.Queues, QueueRow{State: s, Forecast: fc})
		total += s.Backlog()
	}
	for _, k := range tasks.AllKinds() {
		kr := KindRow{Kind: string(k)}
		for _, q := range f.Queues {
			if q.Kind == string(k) {
				kr.Backlog += q.Backlog()
				kr.Archived += q.Archived
				kr.ProcessedTotal += q.ProcessedTotal
				kr.FailedTotal += q.FailedTotal
			}
		}
		if total > 0 {
			kr.Share = 100 * float64(kr.Backlog) / float64(total)
		}
		f.Kinds = append(f.Kinds, kr)
	}
	ws, err := h.reg.List(ctx)
	if err != nil {
		f.Problems = append(f.Problems, err.Error())
	}
	for _, w := range ws {
		f.Workers = append(f.Workers, WorkerRow{WorkerInfo: w, Seen: max(0, f.Now.Sub(w.LastSeen))})
	}
	arch, err := h.newestArchived(ctx, f.Queues, h.opts.ArchivedShown)
	if err != nil {
		f.Problems = append(f.Problems, err.Error())
	}
	f.Archived = arch
	return f
}

// newestArchived returns the n most recently archived tasks across the queues. asynq lists a
// queue's archived tasks oldest first, so it reads each queue's last two pages of n.
func (h *Handler) newestArchived(ctx context.Context, queues []QueueRow, n int) ([]ArchivedTask, error) {
	var all []*asynq.TaskInfo
	for _, q := range queues {
		if q.Archived == 0 || n <= 0 {
			continue
		}
		last := (q.Archived + n - 1) / n
		for page := max(1, last-1); page <= last; page++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			list, err := h.insp.ListArchivedTasks(q.Queue, asynq.PageSize(n), asynq.Page(page))
			if errors.Is(err, asynq.ErrQueueNotFound) {
				break
			}
			if err != nil {
				return nil, err
			}
			all = append(all, list...)
		}
	}
	slices.SortFunc(all, func(a, b *asynq.TaskInfo) int { return b.LastFailedAt.Compare(a.LastFailedAt) })
	out := make([]ArchivedTask, 0, min(n, len(all)))
	for _, t := range all[:min(n, len(all))] {
		out = append(out, ArchivedTask{
			Queue: t.Queue, ID: t.ID, Type: t.Type, Summary: Summarize(t.Type, t.Payload),
			LastErr: t.LastErr, LastFailedAt: t.LastFailedAt,
			Link: TaskLink(t.Queue, t.ID), QueueLink: ArchivedLink(t.Queue),
		})
	}
	return out, nil
}
