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
	// Key names the semaphore: its Redis keys are Key (the holders) and Key+":queue",
	// ":qexp" and ":seq"; its channel is Key+":grant". SemaphoreKey builds the usual one.
	Key string
	// Limit is the number of slots shared by every process that uses Key.
	Limit int
	// Lease is how long a slot stays held without a refresh; default DefaultLease.
	// Holders refresh every Lease/3.
	Lease time.Duration
	// MaxPoll is the longest wait between a waiter's tries (grants normally arrive sooner,
	// as messages); default 250 ms or Lease/4. Waiters that stop polling for ten times
	// this (at least 2 s, at most Lease) lose their place in the queue.
	MaxPoll time.Duration
	// Logger receives lease warnings.
	Logger zerolog.Logger
}

// SemaphoreKey is the key of the fleet-wide semaphore for one backend URL:
// "<prefix>:captions:inflight:{<first 16 hex digits of sha256(url)>}". The braces are a
// Redis Cluster hash tag that keeps the semaphore's keys in one slot.
func SemaphoreKey(prefix, backendURL string) string {
	sum := sha256.Sum256([]byte(strings.TrimRight(backendURL, "/")))
	return cmp.Or(prefix, "mediafleet") + ":captions:inflight:{" + hex.EncodeToString(sum[:8]) + "}"
}

// Semaphore is a fair counting semaphore in Redis shared by every process that uses the same
// key. Key is a sorted set of holders scored by lease expiry; Key+":queue" orders waiters
// first come, first served; Key+":qexp" and Key+":seq" keep waiters' leases and tickets.
// Expired holders and waiters are reaped by whoever next runs a script, and lease times are
// Redis server time, so worker clocks do not matter. A release hands its slot to the oldest
// waiter inside the same script and publishes its id on Key+":grant"; the waiter then holds
// the slot without another round trip. Waiters also poll, which keeps their place in the
// queue alive and covers a missed message. Use SemaphoreKey (or a key with a {hash tag})
// on Redis Cluster.
type Semaphore struct {
	rdb       redis.UniversalClient
	cfg       SemaphoreConfig
	keys      []string
	channel   string
	waitLease time.Duration
	idBase    string
	seq       atomic.Uint64
	waker     waker
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
	cfg.Lease = cmp.Or(cfg.Lease, DefaultLease)
	if cfg.Lease < 30*time.Millisecond {
		return nil, fmt.Errorf("captions: semaphore lease %s is too short to refresh", cfg.Lease)
	}
	cfg.MaxPoll = cmp.Or(cfg.MaxPoll, min(250*time.Millisecond, cfg.Lease/4))
	host, _ := os.Hostname()
	r := make([]byte, 4)
	_, _ = rand.Read(r)
	s := &Semaphore{
		rdb:  rdb,
		cfg:  cfg,
		keys: []string{cfg.Key, cfg.Key + ":queue", cfg.Key + ":qexp", cfg.Key + ":seq"},
		// A waiter that stops polling (its process died) leaves the queue after this long.
		waitLease: min(cfg.Lease, max(2*time.Second, 10*cfg.MaxPoll)),
		channel:   cfg.Key + ":grant",
		idBase:    fmt.Sprintf("%s:%d:%s", strings.ReplaceAll(cmp.Or(host, "host"), " ", "_"), os.Getpid(), hex.EncodeToString(r)),
	}
	s.waker.init(rdb, s.channel)
	return s, nil
}

// Keys lists the Redis keys the semaphore uses.
func (s *Semaphore) Keys() []string { return append([]string(nil), s.keys...) }

// Acquire blocks until it holds one of the Limit slots, in the order the fleet's callers
// asked, and keeps the slot's lease fresh until release is called. It returns ctx's error
// when ctx ends first, or Redis's error.
func (s *Semaphore) Acquire(ctx context.Context) (func(), error) {
	id := fmt.Sprintf("%s:%d", s.idBase, s.seq.Add(1))
	granted := s.waker.register(id) // before the first try, so no grant goes unheard
	defer s.waker.unregister(id)
	ok, err := s.try(ctx, id)
	if err != nil || ok {
		return s.acquired(id, err)
	}
	s.waker.subscribe()
	defer s.waker.unsubscribe()
	for {
		d := s.cfg.MaxPoll/2 + mrand.N(s.cfg.MaxPoll/2+1) // jitter: pollers spread out
		t := time.NewTimer(d)
		select {
		case <-granted:
			t.Stop()
			return s.hold(id), nil
		case <-ctx.Done():
			t.Stop()
			s.abandon(id)
			return nil, fmt.Errorf("captions: waiting for a slot of %s: %w", s.cfg.Key, ctx.Err())
		case <-t.C:
			if ok, err = s.try(ctx, id); err != nil || ok {
				return s.acquired(id, err)
			}
		}
	}
}

func (s *Semaphore) acquired(id string, err error) (func(), error) {
	if err != nil {
		s.abandon(id)
		return nil, fmt.Errorf("captions: acquire a slot of %s: %w", s.cfg.Key, err)
	}
	return s.hold(id), nil
}

// Held returns how many slots are held and how many callers wait, reaping expired ones first.
func (s *Semaphore) Held(ctx context.Context) (held, waiting int, err error) {
	res, err := heldScript.Run(ctx, s.rdb, s.keys).Int64Slice()
	if err != nil || len(res) != 2 {
		return 0, 0, cmp.Or(err, fmt.Errorf("held script answered %v", res))
	}
	return int(res[0]), int(res[1]), nil
}

// try runs the acquire script once: true when id holds a slot, else id waits in the queue.
func (s *Semaphore) try(ctx context.Context, id string) (bool, error) {
	n, err := acquireScript.Run(ctx, s.rdb, s.keys, id, s.cfg.Limit, s.cfg.Lease.Milliseconds(),
		s.waitLease.Milliseconds(), s.channel).Int()
	return n == 1, err
}

// release gives up id's slot or place in the queue and tells local waiters granted the slot.
func (s *Semaphore) release(id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	granted, err := releaseScript.Run(ctx, s.rdb, s.keys, id, s.cfg.Limit, s.cfg.Lease.Milliseconds(), s.channel).StringSlice()
	if err == nil {
		s.waker.grant(granted) // now, rather than after the message's round trip
	}
	return err
}

// abandon leaves the queue (passing on a slot granted meanwhile); the waiter lease covers failure.
func (s *Semaphore) abandon(id string) {
	if err := s.release(id); err != nil {
		s.cfg.Logger.Warn().Err(err).Str("key", s.cfg.Key).Str("waiter", id).
			Msg("could not leave the in-flight queue; its place expires by itself")
	}
}

// hold refreshes id's lease every Lease/3 until the returned release is called.
func (s *Semaphore) hold(id string) func() {
	stop := make(chan struct{})
	go s.refresh(id, stop)
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			if err := s.release(id); err != nil {
				s.cfg.Logger.Warn().Err(err).Str("key", s.cfg.Key).Str("holder", id).
					Msg("could not release in-flight slot; its lease will expire")
			}
		})
	}
}

// refresh extends id's lease until stop is closed. A refresh that loses the race with the
// release finds the member gone and changes nothing: the script never re-adds it.
func (s *Semaphore) refresh(id string, stop <-chan struct{}) {
	tick := time.NewTicker(s.cfg.Lease / 3)
	defer tick.Stop()
	ttl := max(s.cfg.Lease, s.waitLease) + time.Second
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Lease/3)
		n, err := refreshScript.Run(ctx, s.rdb, s.keys, id, s.cfg.Lease.Milliseconds(), ttl.Milliseconds()).Int()
		cancel()
		select {
		case <-stop:
			return // released meanwhile: nothing to report
		default:
		}
		switch {
		case err != nil:
			s.cfg.Logger.Warn().Err(err).Str("key", s.cfg.Key).Str("holder", id).Msg("could not refresh in-flight slot lease")
		case n == 0:
			s.cfg.Logger.Warn().Str("key", s.cfg.Key).Str("holder", id).Dur("lease", s.cfg.Lease).
				Msg("in-flight slot lease expired while held; the fleet may briefly exceed its cap")
			return
		}
	}
}
