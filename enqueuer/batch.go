package enqueuer

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/mediafleet/mediafleet/internal/asynqwire"
	"github.com/mediafleet/mediafleet/tasks"
)

// BatchClient enqueues many tasks in one Redis round trip. asynq v0.26.0, which mediafleet
// builds on, enqueues one task per round trip and has no batch call of its own (one was merged
// upstream after that release), so a bulk backlog is bound by latency. BatchClient writes
// exactly what asynq.Client.EnqueueContext writes for a pending task with a TaskID, MaxRetry and
// Timeout: the queue in asynq:queues, the task hash asynq:{q}:t:<id> through asynq's own enqueue
// script (which refuses an existing id), and the id on asynq:{q}:pending. The task message is
// asynq's TaskMessage protobuf. Its tests check the result with asynq's Inspector and a real
// asynq server, so an asynq upgrade that changed the format fails them.
type BatchClient struct {
	rdb       redis.UniversalClient
	published sync.Map // queues already added to asynq:queues
}

// NewBatchClient wraps a go-redis client of the Redis that asynq uses.
func NewBatchClient(rdb redis.UniversalClient) *BatchClient { return &BatchClient{rdb: rdb} }

// message is the asynq task message of w as asynq.Client writes tasks.Envelope.Task, which
// always gives asynq.MaxRetry: a max_retry of 0 is no retry.
func message(w tasks.Envelope) asynqwire.Message {
	return asynqwire.NewMessage(w.Type, w.Body, w.Queue, w.ID, asynqwire.Options{MaxRetry: w.MaxRetry, NoRetry: w.MaxRetry <= 0, Timeout: w.Timeout})
}

// ErrArchived is the answer for a task whose TaskID an archived task holds: an earlier run
// of it failed for good. It also matches asynq.ErrTaskIDConflict.
var ErrArchived = fmt.Errorf("archived after failing: %w", asynq.ErrTaskIDConflict)

// Send enqueues the tasks in one pipeline. errs[i] is nil when task i was added,
// asynq.ErrTaskIDConflict when its id is already taken, or the error that stopped it.
func (c *BatchClient) Send(ctx context.Context, ws []tasks.Envelope) []error {
	_, errs := c.send(ctx, ws, Bound{}, 0)
	return errs
}

// send runs enqueueScript once per queue of the batch, all in one pipeline, under bound b
// (none when b.MaxPending is 0); room is the smallest room of the queues keyframes tasks
// feed. answers[i] is the script's answer for task i when errs[i] is nil; an answer of 0 (the
// id is taken) becomes asynq.ErrTaskIDConflict.
func (c *BatchClient) send(ctx context.Context, ws []tasks.Envelope, b Bound, room int) (answers []int64, errs []error) {
	errs = make([]error, len(ws))
	answers = make([]int64, len(ws))
	if err := c.publish(ctx, ws); err != nil {
		return answers, fill(len(ws), err)
	}
	// The tasks of each queue, in their order.
	var queues []string
	byQueue := map[string][]int{}
	for i, w := range ws {
		if _, ok := byQueue[w.Queue]; !ok {
			queues = append(queues, w.Queue)
		}
		byQueue[w.Queue] = append(byQueue[w.Queue], i)
	}
	run := func() ([]*redis.Cmd, error) {
		now := time.Now()
		pipe := c.rdb.Pipeline()
		cmds := make([]*redis.Cmd, len(queues))
		for qi, q := range queues {
			idx := byQueue[q]
			l := asynqwire.Limit{MaxPending: b.MaxPending, Room: room}
			if kind, _ := tasks.KindOfType(ws[idx[0]].Type); kind == tasks.Keyframes && b.MaxPending > 0 && len(b.Down) > 0 {
				l.Fanout = max(b.Fanout, 1)
			}
			msgs := make([]asynqwire.Message, len(idx))
			for j, i := range idx {
				msgs[j] = message(ws[i])
			}
			cmds[qi] = asynqwire.Enqueue(ctx, pipe, q, msgs, l, now)
		}
		_, err := pipe.Exec(ctx)
		return cmds, err
	}
	cmds, err := run()
	if err != nil && asynqwire.IsNoScript(err) {
		// A Redis that restarted has lost its scripts. When loading the script fails too (Redis
		// still starting), that failure is every task's answer, so the caller can tell that Redis
		// is unavailable and send the batch again, rather than the NOSCRIPT of the first try.
		if lerr := asynqwire.Load(ctx, c.rdb); lerr != nil {
			return answers, fill(len(ws), fmt.Errorf("loading the enqueue script: %w", lerr))
		}
		cmds, err = run()
	}
	if cmds == nil && err != nil {
		return answers, fill(len(ws), err)
	}
	for qi, cmd := range cmds {
		idx := byQueue[queues[qi]]
		got, cerr := cmd.Int64Slice()
		if cerr == nil && len(got) != len(idx) {
			cerr = fmt.Errorf("the enqueue script answered %d times for %d tasks", len(got), len(idx))
		}
		for j, i := range idx {
			switch {
			case cerr != nil:
				errs[i] = cerr
			case got[j] == asynqwire.Taken:
				errs[i] = asynq.ErrTaskIDConflict
			case got[j] == asynqwire.Archived:
				errs[i] = ErrArchived
			}
			if cerr == nil {
				answers[i] = got[j]
			}
		}
	}
	return answers, errs
}

func (c *BatchClient) publish(ctx context.Context, ws []tasks.Envelope) error {
	for _, w := range ws {
		if _, done := c.published.Load(w.Queue); done {
			continue
		}
		if err := asynqwire.Publish(ctx, c.rdb, w.Queue); err != nil {
			return fmt.Errorf("registering queue %s: %w", w.Queue, err)
		}
		c.published.Store(w.Queue, true)
	}
	return nil
}
