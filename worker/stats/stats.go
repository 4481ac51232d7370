// Package stats counts finished tasks per queue and minute in Redis, so every worker of a
// fleet adds to one tally and `mediafleet status` and the dashboard can show throughput over
// the last minutes and an ETA for the backlog.
package stats

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// keep is how long a minute's tally stays in Redis.
const keep = 2 * time.Hour

// Clock tells the time; tests pass a fixed one.
type Clock func() time.Time

// Counter records and reads per-minute tallies of finished tasks.
type Counter struct {
	rdb redis.UniversalClient
	now Clock
	// every, above 0, is how long Record keeps tallies before writing them (NewBuffered).
	every time.Duration

	mu      sync.Mutex
	pending map[tally]int64
	timer   *time.Timer
	// err is the last background write's failure, answered by the next Record.
	err error
}

// tally is one field of one minute's hash.
type tally struct {
	key, field string
}

// New returns a Counter over rdb that writes each Record at once; now may be nil for time.Now.
func New(rdb redis.UniversalClient, now Clock) *Counter {
	if now == nil {
		now = time.Now
	}
	return &Counter{rdb: rdb, now: now}
}

// NewBuffered returns a Counter that adds Records up in memory, each to the minute it was made
// in, and writes them in one round trip at most every interval, instead of one per task: a
// worker draining thousands of small tasks a second then spends its Redis round trips on the
// tasks. Readers see a finished task at most interval late. Flush writes what is held; the
// worker calls it when it stops.
func NewBuffered(rdb redis.UniversalClient, now Clock, interval time.Duration) *Counter {
	c := New(rdb, now)
	c.every = interval
	c.pending = map[tally]int64{}
	return c
}

func key(queue string, minute int64) string {
	return "mediafleet:stats:{" + queue + "}:" + strconv.FormatInt(minute, 10)
}

// Record adds one finished task (ok: succeeded; else failed) to the current minute of queue.
// A buffered Counter answers the failure of its last background write, if any.
func (c *Counter) Record(ctx context.Context, queue string, ok bool) error {
	t := tally{key: key(queue, c.now().Unix()/60), field: "ok"}
	if !ok {
		t.field = "failed"
	}
	if c.every <= 0 {
		return c.write(ctx, map[tally]int64{t: 1})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending[t]++
	if c.timer == nil {
		c.timer = time.AfterFunc(c.every, func() {
			ctx, cancel := context.WithTimeout(context.Background(), max(c.every, 5*time.Second))
			defer cancel()
			if err := c.Flush(ctx); err != nil {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
			}
		})
	}
	err := c.err
	c.err = nil
	return err
}

// Flush writes the tallies a buffered Counter holds; tallies that fail to go are kept for the
// next write. It does nothing on a Counter from New.
func (c *Counter) Flush(ctx context.Context) error {
	c.mu.Lock()
	held := c.pending
	c.pending = map[tally]int64{}
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.mu.Unlock()
	if len(held) == 0 {
		return nil
	}
	err := c.write(ctx, held)
	if err != nil {
		c.mu.Lock()
		for t, n := range held {
			c.pending[t] += n
		}
		c.mu.Unlock()
	}
	return err
}

// write adds counts to their minutes' hashes and renews the hashes' expiry, in one round trip.
func (c *Counter) write(ctx context.Context, counts map[tally]int64) error {
	p := c.rdb.TxPipeline()
	for t, n := range counts {
		p.HIncrBy(ctx, t.key, t.field, n)
		p.Expire(ctx, t.key, keep)
	}
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("recording throughput: %w", err)
	}
	return nil
}

// Rate is the throughput of one queue over a window of whole minutes.
type Rate struct {
	Queue     string        `json:"queue"`
	Window    time.Duration `json:"window_ns"`
	Succeeded int64         `json:"succeeded"`
	Failed    int64         `json:"failed"`
	// PerMinute counts every finished task, succeeded or failed: both leave the backlog.
	PerMinute float64 `json:"per_minute"`
}

// Rate sums the last `minutes` whole minutes of queue (the running minute counts in part, by
// the seconds already gone, so a fresh burst shows at once).
func (c *Counter) Rate(ctx context.Context, queue string, minutes int) (Rate, error) {
	if minutes <= 0 {
		minutes = 5
	}
	now := c.now()
	cur := now.Unix() / 60
	p := c.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, minutes+1)
	for i := 0; i <= minutes; i++ {
		cmds[i] = p.HGetAll(ctx, key(queue, cur-int64(i)))
	}
	if _, err := p.Exec(ctx); err != nil && err != redis.Nil {
		return Rate{}, fmt.Errorf("reading throughput of %s: %w", queue, err)
	}
	r := Rate{Queue: queue}
	for _, cmd := range cmds {
		m := cmd.Val()
		ok, _ := strconv.ParseInt(m["ok"], 10, 64)
		bad, _ := strconv.ParseInt(m["failed"], 10, 64)
		r.Succeeded += ok
		r.Failed += bad
	}
	// The window is `minutes` full minutes plus the part of the current one already gone.
	span := time.Duration(minutes)*time.Minute + time.Duration(now.Unix()%60)*time.Second
	r.Window = span
	if span > 0 {
		r.PerMinute = float64(r.Succeeded+r.Failed) / span.Minutes()
	}
	return r, nil
}

// ETA is how long a backlog of n tasks takes at rate; ok is false when nothing finished lately.
func ETA(backlog int, r Rate) (time.Duration, bool) {
	if backlog == 0 {
		return 0, true
	}
	if r.PerMinute <= 0 {
		return 0, false
	}
	return time.Duration(float64(backlog) / r.PerMinute * float64(time.Minute)), true
}
