// Package stats counts finished tasks per queue and minute in Redis, so every worker of a
// fleet adds to one tally and `mediafleet status` and the dashboard can show throughput over
// the last minutes and an ETA for the backlog.
package stats

import (
	"context"
	"fmt"
	"strconv"
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
}

// New returns a Counter over rdb; now may be nil for time.Now.
func New(rdb redis.UniversalClient, now Clock) *Counter {
	if now == nil {
		now = time.Now
	}
	return &Counter{rdb: rdb, now: now}
}

func key(queue string, minute int64) string {
	return "mediafleet:stats:{" + queue + "}:" + strconv.FormatInt(minute, 10)
}

// Record adds one finished task (ok: succeeded; else failed) to the current minute of queue.
func (c *Counter) Record(ctx context.Context, queue string, ok bool) error {
	k := key(queue, c.now().Unix()/60)
	field := "ok"
	if !ok {
		field = "failed"
	}
	p := c.rdb.TxPipeline()
	p.HIncrBy(ctx, k, field, 1)
	p.Expire(ctx, k, keep)
	_, err := p.Exec(ctx)
	return err
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
