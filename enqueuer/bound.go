package enqueuer

import (
	"context"
	"errors"
	"fmt"

	"github.com/mediafleet/mediafleet/internal/asynqwire"
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

// Backlog reads how many tasks of queue wait (pending, scheduled, retrying) and run, in one
// round trip. BatchClient is thereby a Backlog too.
func (c *BatchClient) Backlog(ctx context.Context, queue string) (waiting, active int, err error) {
	k := asynqwire.QueueLists(queue)
	pipe := c.rdb.Pipeline()
	p, s, r, a := pipe.LLen(ctx, k.Pending), pipe.ZCard(ctx, k.Scheduled), pipe.ZCard(ctx, k.Retry), pipe.LLen(ctx, k.Active)
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
	answers, errs := c.send(ctx, ws, b, room)
	for i, err := range errs {
		if err != nil {
			continue
		}
		switch answers[i] {
		case asynqwire.Full:
			errs[i] = &QueueFullError{Queue: ws[i].Queue}
		case asynqwire.NoRoom:
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
