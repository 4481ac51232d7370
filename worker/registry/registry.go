package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Registry reads and writes worker entries under one key prefix. Safe for concurrent use.
type Registry struct {
	rdb    redis.UniversalClient
	base   string // "<prefix>:mediafleet:workers"
	prefix string // the fleet's queue prefix
	log    zerolog.Logger
}

// New returns a Registry over rdb. prefix is the same queue prefix the fleet uses ("" for none):
// workers and readers agree on it to see each other.
func New(rdb redis.UniversalClient, prefix string, log zerolog.Logger) *Registry {
	base := "mediafleet:workers"
	if prefix != "" {
		base = prefix + ":" + base
	}
	return &Registry{rdb: rdb, base: base, prefix: prefix, log: log}
}

// key is the Redis key of one worker's entry.
func (r *Registry) key(id string) string { return r.base + ":" + id }

// index is the sorted set of worker ids, scored by expiry (Unix ms, Redis clock).
func (r *Registry) index() string { return r.base }

// Publish writes info (with LastSeen set to the Redis server's time) for ttl and indexes it.
func (r *Registry) Publish(ctx context.Context, info WorkerInfo, ttl time.Duration) error {
	if info.ID == "" || strings.ContainsAny(info.ID, " \n") {
		return fmt.Errorf("worker registry: %q is not a worker id", info.ID)
	}
	if ttl < time.Millisecond {
		return fmt.Errorf("worker registry: TTL %s is too short", ttl)
	}
	now, err := r.rdb.Time(ctx).Result()
	if err != nil {
		return fmt.Errorf("worker registry: reading the Redis clock: %w", err)
	}
	info.LastSeen = now.UTC()
	data, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("worker registry: encoding worker %s: %w", info.ID, err)
	}
	// Two keys in different cluster slots: a plain pipeline, not MULTI. A lost ZADD is redone
	// by the next heartbeat.
	_, err = r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, r.key(info.ID), data, ttl)
		p.ZAdd(ctx, r.index(), redis.Z{Score: float64(now.Add(ttl).UnixMilli()), Member: info.ID})
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker registry: publishing worker %s: %w", info.ID, err)
	}
	return nil
}

// Remove deletes a worker's entry at once (a clean shutdown).
func (r *Registry) Remove(ctx context.Context, id string) error {
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, r.key(id), r.tasksKey(id))
		p.ZRem(ctx, r.index(), id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker registry: removing worker %s: %w", id, err)
	}
	return nil
}

// pruneAfter is how long a dead worker stays in the index for a recovery pass to find it
// ([Registry.Recover] forgets it at once); after that List drops it and its task records, which
// asynq's own lease recovery has long taken care of.
const pruneAfter = 10 * time.Minute

// List returns the live workers, sorted by ID, after pruning ids that expired over pruneAfter
// ago from the index. An entry that does not decode is logged and left out.
func (r *Registry) List(ctx context.Context) ([]WorkerInfo, error) {
	now, err := r.rdb.Time(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("worker registry: reading the Redis clock: %w", err)
	}
	if err := r.prune(ctx, now.Add(-pruneAfter)); err != nil {
		return nil, err
	}
	ids, err := r.rdb.ZRangeByScore(ctx, r.index(), &redis.ZRangeBy{Min: "(" + strconv.FormatInt(now.UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("worker registry: reading %s: %w", r.index(), err)
	}
	cmds := make([]*redis.StringCmd, len(ids))
	_, err = r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Get(ctx, r.key(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("worker registry: reading worker entries: %w", err)
	}
	out := make([]WorkerInfo, 0, len(ids))
	for i, cmd := range cmds {
		data, err := cmd.Bytes()
		if errors.Is(err, redis.Nil) {
			continue // expired or removed since the index was read
		}
		if err != nil {
			return nil, fmt.Errorf("worker registry: reading %s: %w", r.key(ids[i]), err)
		}
		var w WorkerInfo
		if err := json.Unmarshal(data, &w); err != nil {
			r.log.Warn().Err(err).Str("key", r.key(ids[i])).Msg("worker registry: skipping an entry that is not WorkerInfo JSON")
			continue
		}
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b WorkerInfo) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// prune drops the workers that expired before cutoff, with their task records.
func (r *Registry) prune(ctx context.Context, cutoff time.Time) error {
	old, err := r.rdb.ZRangeByScore(ctx, r.index(), &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(cutoff.UnixMilli(), 10)}).Result()
	if err != nil || len(old) == 0 {
		return err
	}
	_, err = r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range old {
			p.Del(ctx, r.tasksKey(id))
			p.ZRem(ctx, r.index(), id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker registry: pruning %s: %w", r.index(), err)
	}
	return nil
}
