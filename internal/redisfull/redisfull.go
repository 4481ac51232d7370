// Package redisfull tells how close a Redis is to its maxmemory. A Redis at its limit refuses
// every write, asynq's own dequeue and completion scripts among them, so a fleet whose Redis
// filled up stops altogether; the enqueuer and the keyframes fan-out keep a reserve free so
// the workers can always take and finish the tasks that are queued.
package redisfull

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Memory is what Redis reports of its memory in INFO memory.
type Memory struct {
	// Used is used_memory; Max is maxmemory (0: no limit).
	Used, Max int64
}

// Read asks Redis for its memory figures.
func Read(ctx context.Context, rdb redis.UniversalClient) (Memory, error) {
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		return Memory{}, fmt.Errorf("reading Redis's memory: %w", err)
	}
	var m Memory
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		switch k {
		case "used_memory":
			m.Used, _ = strconv.ParseInt(v, 10, 64)
		case "maxmemory":
			m.Max, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return m, nil
}

// Reserve is the memory kept free for the fleet's own work by default: 5% of maxmemory, at
// least 1 MiB. Taking a task, leasing it, and marking it done all write to Redis.
func (m Memory) Reserve() int64 { return max(m.Max/20, 1<<20) }

// Short tells whether less than reserve is left below maxmemory. A Redis without a limit is
// never short.
func (m Memory) Short(reserve int64) bool { return m.Max > 0 && m.Used >= m.Max-reserve }

// String is "used 3.1 MiB of maxmemory 4.0 MiB".
func (m Memory) String() string {
	if m.Max == 0 {
		return fmt.Sprintf("used %s, no maxmemory", MiB(m.Used))
	}
	return fmt.Sprintf("used %s of maxmemory %s", MiB(m.Used), MiB(m.Max))
}

// MiB writes a byte count in MiB with one decimal.
func MiB(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// IsOOM tells whether err is Redis refusing a write because it reached maxmemory.
func IsOOM(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr) && strings.HasPrefix(rerr.Error(), "OOM ")
}

// ErrShort marks a write held back because Redis is at or near its maxmemory.
var ErrShort = errors.New("Redis is nearly full")

// ShortError says a write was held back, with Redis's figures.
type ShortError struct {
	Memory  Memory
	Reserve int64
}

func (e *ShortError) Error() string {
	return fmt.Sprintf("Redis is nearly full (%s; %s kept free so the workers can take and finish their tasks)",
		e.Memory, MiB(e.Reserve))
}

// Is makes a ShortError match ErrShort.
func (e *ShortError) Is(target error) bool { return target == ErrShort }

// Room returns a *ShortError when Redis has less than its reserve left, nil when it has room
// or no limit.
func Room(ctx context.Context, rdb redis.UniversalClient) error {
	m, err := Read(ctx, rdb)
	if err != nil {
		return err
	}
	if r := m.Reserve(); m.Short(r) {
		return &ShortError{Memory: m, Reserve: r}
	}
	return nil
}
