package enqueuer

import (
	"context"
	"fmt"
	"sync"

	"github.com/mediafleet/mediafleet/internal/redisfull"
)

// RedisFullError stops an enqueue when Redis is at, or within its reserve of, its maxmemory:
// a Redis at its limit refuses the workers' own writes too, so the enqueue stops while they
// can still take and finish the tasks already queued. Every task sent stays queued, so a later
// run carries on.
type RedisFullError struct {
	// Enqueued is how many tasks went in before the stop.
	Enqueued int
	Memory   redisfull.Memory
	// Reserve is the memory kept free for the workers.
	Reserve int64
	// Err is Redis's own out-of-memory answer, nil when the enqueue stopped short of it.
	Err error
}

func (e *RedisFullError) Error() string {
	why := fmt.Sprintf("Redis is full (%s)", e.Memory)
	if e.Err == nil {
		why = fmt.Sprintf("Redis is nearly full (%s, %s kept free for the workers)", e.Memory, redisfull.MiB(e.Reserve))
	}
	return fmt.Sprintf("%s: %s tasks went in before the enqueue stopped. Nothing is lost and nothing would "+
		"run twice: raise Redis's maxmemory, enqueue with --max-pending so the backlog stays small, or run the "+
		"same enqueue again once the fleet has drained the queues", why, thousands(e.Enqueued))
}

func (e *RedisFullError) Unwrap() error { return e.Err }

// MemoryReader reads Redis's memory figures.
type MemoryReader interface {
	Memory(ctx context.Context) (redisfull.Memory, error)
}

// Memory reads used_memory and maxmemory.
func (c *BatchClient) Memory(ctx context.Context) (redisfull.Memory, error) {
	return redisfull.Read(ctx, c.rdb)
}

// assumedTaskBytes is what one queued task is taken to cost until Redis says otherwise (about
// 800 bytes were measured for a photo's task).
const assumedTaskBytes = 2048

// memWatch stops an enqueue before Redis runs out of room. It reads Redis's memory only when
// the tasks sent since the last reading could have used up the room left, so far from the
// limit it costs nothing, and near it one reading per batch.
type memWatch struct {
	mem MemoryReader
	// reserve is the room kept free: 0 for Memory.Reserve(), below 0 for none (only Redis's
	// out-of-memory answer stops the run).
	reserve int64

	mu    sync.Mutex
	last  redisfull.Memory
	sent  int64 // tasks sent since last
	read  bool
	short *RedisFullError
}

// room reserves room for n more tasks; it returns a *RedisFullError when Redis is within its
// reserve of maxmemory.
func (w *memWatch) room(ctx context.Context, n int) error {
	if w.reserve < 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.short != nil {
		return w.short
	}
	reserve := w.reserveOf(w.last)
	projected := w.last.Used + (w.sent+int64(n))*assumedTaskBytes
	if w.read && (w.last.Max == 0 || projected < w.last.Max-reserve) {
		w.sent += int64(n)
		return nil
	}
	m, err := w.mem.Memory(ctx)
	if err != nil {
		return err
	}
	w.last, w.sent, w.read = m, int64(n), true
	if reserve = w.reserveOf(m); m.Short(reserve) {
		w.short = &RedisFullError{Memory: m, Reserve: reserve}
		return w.short
	}
	return nil
}

func (w *memWatch) reserveOf(m redisfull.Memory) int64 {
	if w.reserve == 0 {
		return m.Reserve()
	}
	return w.reserve
}

// oom turns Redis's out-of-memory answer into the run's RedisFullError.
func (w *memWatch) oom(ctx context.Context, answer error) *RedisFullError {
	full := &RedisFullError{Err: answer}
	if w != nil {
		full.Memory, _ = w.mem.Memory(context.WithoutCancel(ctx))
	}
	return full
}
