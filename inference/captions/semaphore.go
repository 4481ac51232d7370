package captions

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Limiter bounds how many requests are in flight at once.
type Limiter interface {
	// Acquire blocks until a slot is free or ctx ends; release gives the slot back and may
	// be called more than once.
	Acquire(ctx context.Context) (release func(), err error)
}

// DefaultLease is how long a slot outlives a holder that stopped refreshing it.
const DefaultLease = 30 * time.Second

// SemaphoreConfig tunes a Semaphore.
type SemaphoreConfig struct {
	// Key is the Redis key of the sorted set; SemaphoreKey builds the usual one.
	Key string
	// Limit is the number of slots shared by every process that uses Key.
	Limit int
	// Lease is how long a slot stays held without a refresh; default DefaultLease.
	// Holders refresh every Lease/3.
	Lease time.Duration
	// MaxPoll is the longest wait between tries when no release is heard; default 250 ms.
	MaxPoll time.Duration
	// Logger receives lease warnings.
	Logger zerolog.Logger
}

// SemaphoreKey is the key of the fleet-wide semaphore for one backend URL:
// "<prefix>:captions:inflight:<first 16 hex digits of sha256(url)>".
func SemaphoreKey(prefix, backendURL string) string {
	sum := sha256.Sum256([]byte(strings.TrimRight(backendURL, "/")))
	return cmp.Or(prefix, "mediafleet") + ":captions:inflight:" + hex.EncodeToString(sum[:8])
}

// Semaphore is a counting semaphore in Redis shared by every process that uses the same key:
// a sorted set whose members are holder ids and whose scores are lease expiry times (Redis
// server time, in ms, so clocks of worker machines do not matter). Expired holders are
// reaped by whoever next tries to acquire. A release is published on Key+":wake" so waiters
// try again at once; waiters also poll, so a missed message or a dead holder costs at most
// one poll interval after its lease ends.
type Semaphore struct {
	rdb    redis.UniversalClient
	cfg    SemaphoreConfig
	wake   string
	idBase string
	seq    atomic.Uint64
	waker  waker
}

var _ Limiter = (*Semaphore)(nil)

// NewSemaphore checks cfg and returns a semaphore; it does not touch Redis yet.
func NewSemaphore(rdb redis.UniversalClient, cfg SemaphoreConfig) (*Semaphore, error) {
	switch {
	case rdb == nil:
		return nil, errors.New("captions: a fleet-wide in-flight cap needs a Redis client")
	case cfg.Key == "":
		return nil, errors.New("captions: semaphore key is empty")
	case cfg.Limit <= 0:
		return nil, fmt.Errorf("captions: semaphore limit %d must be above zero", cfg.Limit)
	case cfg.Lease < 0 || cfg.MaxPoll < 0:
		return nil, errors.New("captions: semaphore lease and poll interval must not be negative")
	}
	if cfg.Lease == 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Lease < 30*time.Millisecond {
		return nil, fmt.Errorf("captions: semaphore lease %s is too short to refresh", cfg.Lease)
	}
	if cfg.MaxPoll == 0 {
		cfg.MaxPoll = min(250*time.Millisecond, cfg.Lease/4)
	}
	host, _ := os.Hostname()
	r := make([]byte, 4)
	_, _ = rand.Read(r)
	s := &Semaphore{
		rdb:    rdb,
		cfg:    cfg,
		wake:   cfg.Key + ":wake",
		idBase: fmt.Sprintf("%s:%d:%s", cmp.Or(host, "host"), os.Getpid(), hex.EncodeToString(r)),
	}
	s.waker.init(rdb, s.wake)
	return s, nil
}

// Acquire blocks until one of the Limit slots is free, takes it and keeps its lease fresh
// until release is called. It returns ctx's error when ctx ends first, or Redis's error.
func (s *Semaphore) Acquire(ctx context.Context) (func(), error) {
	holder := fmt.Sprintf("%s:%d", s.idBase, s.seq.Add(1))
	joined := false
	defer func() {
		if joined {
			s.waker.leave()
		}
	}()
	for {
		var woken <-chan struct{}
		if joined {
			woken = s.waker.current()
		}
		ok, wait, err := s.try(ctx, holder)
		if err != nil {
			return nil, fmt.Errorf("captions: acquire a slot of %s: %w", s.cfg.Key, err)
		}
		if ok {
			return s.hold(holder), nil
		}
		if !joined {
			s.waker.join()
			joined = true
			continue // try once more now that releases will be heard
		}
		d := min(wait, s.cfg.MaxPoll)
		d = d/2 + mrand.N(d/2+1) // jitter: waiters spread out instead of polling in step
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("captions: waiting for a slot of %s: %w", s.cfg.Key, ctx.Err())
		case <-woken:
			t.Stop()
		case <-t.C:
		}
	}
}

// Held returns how many slots are held now, reaping expired ones first.
func (s *Semaphore) Held(ctx context.Context) (int, error) {
	n, err := heldScript.Run(ctx, s.rdb, []string{s.cfg.Key}).Int()
	return n, err
}

// try runs the acquire script once: ok, or how long until the earliest lease ends.
func (s *Semaphore) try(ctx context.Context, holder string) (bool, time.Duration, error) {
	res, err := acquireScript.Run(ctx, s.rdb, []string{s.cfg.Key},
		holder, s.cfg.Limit, s.cfg.Lease.Milliseconds()).Int64Slice()
	if err != nil {
		return false, 0, err
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("acquire script answered %v", res)
	}
	return res[0] == 1, time.Duration(max(res[1], 1)) * time.Millisecond, nil
}

// hold refreshes holder's lease every Lease/3 until the returned release is called.
func (s *Semaphore) hold(holder string) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(s.cfg.Lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Lease/3)
				n, err := refreshScript.Run(ctx, s.rdb, []string{s.cfg.Key}, holder, s.cfg.Lease.Milliseconds()).Int()
				cancel()
				switch {
				case err != nil:
					s.cfg.Logger.Warn().Err(err).Str("key", s.cfg.Key).Str("holder", holder).Msg("could not refresh in-flight slot lease")
				case n == 0:
					s.cfg.Logger.Warn().Str("key", s.cfg.Key).Str("holder", holder).Dur("lease", s.cfg.Lease).
						Msg("in-flight slot lease expired while held; the fleet may briefly exceed its cap")
					return
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-done // no refresh may re-add the member after it is removed
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := releaseScript.Run(ctx, s.rdb, []string{s.cfg.Key}, holder, s.wake).Err(); err != nil {
				s.cfg.Logger.Warn().Err(err).Str("key", s.cfg.Key).Str("holder", holder).
					Msg("could not release in-flight slot; its lease will expire")
			}
		})
	}
}
