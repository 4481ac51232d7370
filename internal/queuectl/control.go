package queuectl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/mediafleet/mediafleet/tasks"
)

// Controller acts on the queues of one fleet (one queue prefix) through asynq's Inspector.
// Safe for concurrent use.
type Controller struct {
	insp   *asynq.Inspector
	prefix string
}

// New returns a Controller over insp for the queues under prefix ("" for none). The caller
// keeps ownership of insp and closes it.
func New(insp *asynq.Inspector, prefix string) *Controller {
	return &Controller{insp: insp, prefix: prefix}
}

// Prefix is the queue prefix the Controller applies to bare kinds.
func (c *Controller) Prefix() string { return c.prefix }

// Queues lists the fleet's queues, one per kind, in pipeline order.
func (c *Controller) Queues() []string {
	out := make([]string, 0, len(tasks.AllKinds()))
	for _, k := range tasks.AllKinds() {
		out = append(out, tasks.QueueName(c.prefix, k))
	}
	return out
}

// Resolve turns a user-given NAME into a queue name: a bare kind gets the prefix, any other
// name is taken as it is. A name that is neither a kind nor a queue Redis knows is refused
// with the queues that do exist.
func (c *Controller) Resolve(ctx context.Context, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errors.New("no queue named: give a kind (keyframes, faces, captions) or a full queue name")
	}
	if k, err := tasks.ParseKind(name); err == nil {
		return tasks.QueueName(c.prefix, k), nil
	}
	if slices.Contains(c.Queues(), name) {
		return name, nil
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	existing, err := c.insp.Queues()
	if err != nil {
		return "", fmt.Errorf("listing queues: %w", err)
	}
	if slices.Contains(existing, name) {
		return name, nil
	}
	slices.Sort(existing)
	known := "none"
	if len(existing) > 0 {
		known = strings.Join(existing, ", ")
	}
	return "", fmt.Errorf("no queue %q: name a kind (keyframes, faces, captions; prefix %q is applied) or one of the queues in Redis: %s", name, c.prefix, known)
}

// State is one queue's counts, as `mediafleet queues list --json` prints them.
type State struct {
	Queue string `json:"queue"`
	// Kind is the kind of work the queue carries, or "" for a queue of another fleet.
	Kind string `json:"kind"`
	// Exists is false for a queue nothing was ever enqueued to; its counts are then 0.
	Exists    bool `json:"exists"`
	Paused    bool `json:"paused"`
	Pending   int  `json:"pending"`
	Active    int  `json:"active"`
	Scheduled int  `json:"scheduled"`
	Retry     int  `json:"retry"`
	Archived  int  `json:"archived"`
	Completed int  `json:"completed"`
	// Processed and Failed count today's finished and failed runs (asynq resets them daily);
	// the totals count since the queue began.
	Processed      int `json:"processed"`
	Failed         int `json:"failed"`
	ProcessedTotal int `json:"processed_total"`
	FailedTotal    int `json:"failed_total"`
	// Latency is how long the oldest pending task has waited.
	Latency        time.Duration `json:"-"`
	LatencySeconds float64       `json:"latency_seconds"`
	MemoryBytes    int64         `json:"memory_bytes"`
}

// Backlog is the work still to do: pending, active, scheduled and retry tasks.
func (s State) Backlog() int { return s.Pending + s.Active + s.Scheduled + s.Retry }

// State reads one queue's counts. A queue nothing was ever enqueued to reads as empty.
func (c *Controller) State(ctx context.Context, queue string) (State, error) {
	s := State{Queue: queue}
	if k, ok := tasks.KindOfQueue(c.prefix, queue); ok {
		s.Kind = string(k)
	}
	if err := ctx.Err(); err != nil {
		return s, err
	}
	info, err := c.insp.GetQueueInfo(queue)
	if err != nil {
		if c.missing(queue) {
			return s, nil
		}
		return s, fmt.Errorf("reading queue %s: %w", queue, err)
	}
	s.Exists, s.Paused = true, info.Paused
	s.Pending, s.Active, s.Scheduled, s.Retry = info.Pending, info.Active, info.Scheduled, info.Retry
	s.Archived, s.Completed, s.Processed, s.Failed = info.Archived, info.Completed, info.Processed, info.Failed
	s.ProcessedTotal, s.FailedTotal = info.ProcessedTotal, info.FailedTotal
	s.Latency, s.LatencySeconds, s.MemoryBytes = info.Latency, info.Latency.Seconds(), info.MemoryUsage
	return s, nil
}

// List reads the fleet's queues; with all, every queue in Redis instead (sorted by name).
func (c *Controller) List(ctx context.Context, all bool) ([]State, error) {
	names := c.Queues()
	if all {
		existing, err := c.insp.Queues()
		if err != nil {
			return nil, fmt.Errorf("listing queues: %w", err)
		}
		slices.Sort(existing)
		names = existing
	}
	out := make([]State, 0, len(names))
	for _, q := range names {
		s, err := c.State(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// missing reports whether Redis knows no queue of that name. asynq's not-found errors from
// several Inspector calls are internal types, so a failed call asks the queue list instead.
func (c *Controller) missing(queue string) bool {
	existing, err := c.insp.Queues()
	return err == nil && !slices.Contains(existing, queue)
}
