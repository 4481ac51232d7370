package enqueuer

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/mediafleet/mediafleet/tasks"
)

// Bound is a limit on each queue's backlog that a BoundedSender enforces as it adds tasks.
type Bound struct {
	// MaxPending is the most tasks a queue may hold pending, scheduled or retrying.
	MaxPending int
	// Fanout is the most tasks of each Down queue one keyframes task enqueues.
	Fanout int
	// Down lists the queues a keyframes task feeds (faces, captions).
	Down []string
}

// BoundedSender adds tasks only while their queue has room under a Bound. A task refused
// for want of room gets an error matching ErrQueueFull and can be sent again later.
type BoundedSender interface {
	Sender
	SendBounded(ctx context.Context, batch []tasks.Envelope, b Bound) []error
}

// ErrQueueFull is the answer for a task that found its queue, or a queue it feeds, full.
var ErrQueueFull = errors.New("queue full")

// QueueFullError names the full queue: the task's own, or for a keyframes task the fullest
// of the queues it feeds.
type QueueFullError struct{ Queue string }

func (e *QueueFullError) Error() string        { return "queue " + e.Queue + " is full" }
func (e *QueueFullError) Is(target error) bool { return target == ErrQueueFull }

var _ BoundedSender = (*BatchClient)(nil)

// enqueueBoundedScript is asynq v0.26.0's enqueue script (see enqueueScript) with a room check
// between the existence check and the write, so a task already queued is answered 0 at once
// and a new one goes in only while its queue's backlog (pending + scheduled + retry, asynq's
// own lists) is under ARGV[4]. For a keyframes task (ARGV[5] > 0) every keyframes task not
// finished yet, itself included, may still add ARGV[5] tasks to each queue it feeds, whose
// smallest room the caller read just before (ARGV[6]). Answers: 1 added, 0 id taken, -1 own
// queue full, -2 a fed queue full.
var enqueueBoundedScript = redis.NewScript(enqueueIfNew + `
local backlog = redis.call("LLEN", KEYS[2]) + redis.call("ZCARD", KEYS[3]) + redis.call("ZCARD", KEYS[4])
if backlog >= tonumber(ARGV[4]) then
	return -1
end
local fanout = tonumber(ARGV[5])
if fanout > 0 then
	local unfinished = backlog + redis.call("LLEN", KEYS[5]) + 1
	if unfinished * fanout > tonumber(ARGV[6]) then
		return -2
	end
end
` + enqueueWrite)

// queueKeys are asynq's keys of one queue's lists: pending, scheduled, retry, active.
func queueKeys(queue string) [4]string {
	p := "asynq:{" + queue + "}:"
	return [4]string{p + "pending", p + "scheduled", p + "retry", p + "active"}
}

// Backlog reads how many tasks of queue wait (pending, scheduled, retrying) and run, in one
// round trip. BatchClient is thereby a Backlog too.
func (c *BatchClient) Backlog(ctx context.Context, queue string) (waiting, active int, err error) {
	k := queueKeys(queue)
	pipe := c.rdb.Pipeline()
	p, s, r, a := pipe.LLen(ctx, k[0]), pipe.ZCard(ctx, k[1]), pipe.ZCard(ctx, k[2]), pipe.LLen(ctx, k[3])
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, 0, fmt.Errorf("reading the backlog of queue %s: %w", queue, err)
	}
	return int(p.Val() + s.Val() + r.Val()), int(a.Val()), nil
}

// SendBounded is Send under a Bound: each task goes in only while its queue has room, checked
// atomically by Redis as it adds the task, so a backlog never passes MaxPending. Keyframes
// tasks also need room in the queues they feed, read once per call.
func (c *BatchClient) SendBounded(ctx context.Context, ws []tasks.Envelope, b Bound) []error {
	// The smallest room among the fed queues, read only when the batch has keyframes.
	room, fullest := -1, ""
	for _, w := range ws {
		if k, _ := tasks.KindOfType(w.Type); k == tasks.Keyframes && len(b.Down) > 0 {
			var err error
			if room, fullest, err = c.room(ctx, b); err != nil {
				return fill(len(ws), err)
			}
			break
		}
	}
	answers, errs := c.send(ctx, ws, enqueueBoundedScript, func(w tasks.Envelope) ([]string, []any) {
		k := queueKeys(w.Queue)
		fanout := 0
		if kind, _ := tasks.KindOfType(w.Type); kind == tasks.Keyframes && len(b.Down) > 0 {
			fanout = max(b.Fanout, 1)
		}
		return []string{taskKey(w), k[0], k[1], k[2], k[3]}, []any{b.MaxPending, fanout, room}
	})
	for i, err := range errs {
		if err != nil {
			continue
		}
		switch answers[i] {
		case -1:
			errs[i] = &QueueFullError{Queue: ws[i].Queue}
		case -2:
			errs[i] = &QueueFullError{Queue: fullest}
		}
	}
	return errs
}

// room is the smallest free room among the queues keyframes tasks feed, and that queue.
func (c *BatchClient) room(ctx context.Context, b Bound) (room int, queue string, err error) {
	room = b.MaxPending + 1
	for _, q := range b.Down {
		waiting, _, err := c.Backlog(ctx, q)
		if err != nil {
			return 0, "", err
		}
		if r := b.MaxPending - waiting; r < room {
			room, queue = r, q
		}
	}
	return room, queue, nil
}

func fill(n int, err error) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}
