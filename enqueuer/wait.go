package enqueuer

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Backlog reads the state of one queue: how many of its tasks wait (pending, scheduled and
// retrying) and how many run right now. A queue that does not exist yet has none of either.
type Backlog interface {
	Backlog(ctx context.Context, queue string) (waiting, active int, err error)
}

var _ Backlog = (*BatchClient)(nil)

// Wait says what a held-back enqueue waits for: a full queue, its backlog and how fast the
// fleet drains it.
type Wait struct {
	Queue      string  `json:"queue"`
	Waiting    int     `json:"waiting"`
	MaxPending int     `json:"max_pending"`
	DrainPerS  float64 `json:"drain_per_s"`
}

// String is the progress line's words for it.
func (w Wait) String() string {
	return fmt.Sprintf("waiting for the fleet: %s %s pending (limit %s), %s/s draining",
		w.Queue, thousands(w.Waiting), thousands(w.MaxPending), thousands(int(w.DrainPerS+0.5)))
}

// waiter follows the queues that refuse tasks for want of room: which one holds the enqueue
// back, its backlog, and its drain rate since the wait began (the tasks that left it per
// second: those added meanwhile, less its growth).
type waiter struct {
	backlog Backlog
	max     int
	added   *atomic.Int64 // tasks enqueued so far, all queues
	log     func(Wait)    // told when a wait on a queue starts

	mu       sync.Mutex
	cur      *Wait
	lastRead time.Time
	// the reading the drain rate counts from
	since        time.Time
	addedSince   int64
	waitingSince int
}

// full records that queue refused a task. It reads the queue's backlog at most once a second.
func (w *waiter) full(ctx context.Context, queue string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	same := w.cur != nil && w.cur.Queue == queue
	if same && now.Sub(w.lastRead) < time.Second {
		return
	}
	waiting, _, err := w.backlog.Backlog(ctx, queue)
	if err != nil {
		return
	}
	w.lastRead = now
	added := w.added.Load()
	next := &Wait{Queue: queue, Waiting: waiting, MaxPending: w.max}
	if same {
		if dt := now.Sub(w.since).Seconds(); dt > 0 {
			next.DrainPerS = float64(added-w.addedSince+int64(w.waitingSince-waiting)) / dt
		}
	} else {
		w.since, w.addedSince, w.waitingSince = now, added, waiting
		if w.log != nil {
			w.log(*next)
		}
	}
	w.cur = next
}

// clear records that the enqueue moves again.
func (w *waiter) clear() {
	w.mu.Lock()
	w.cur = nil
	w.mu.Unlock()
}

// current is the wait under way, or nil.
func (w *waiter) current() *Wait {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cur == nil {
		return nil
	}
	c := *w.cur
	return &c
}

// thousands writes n with comma separators: 50,000.
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
