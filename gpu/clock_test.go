package gpu

import (
	"sync"
	"testing"
	"time"
)

// manualClock is a Clock that moves only when the test calls Advance.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []manualWaiter
	armed   chan struct{} // one value per After call
}

type manualWaiter struct {
	at time.Time
	ch chan time.Time
}

var _ Clock = (*manualClock)(nil)

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), armed: make(chan struct{}, 1024)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, manualWaiter{at: c.now.Add(d), ch: ch})
	c.armed <- struct{}{}
	return ch
}

// Advance moves time on by d and fires every timer that is due.
func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// awaitTimer blocks until code under test has called After once more.
func (c *manualClock) awaitTimer(t *testing.T) {
	t.Helper()
	select {
	case <-c.armed:
	case <-time.After(10 * time.Second):
		t.Fatal("code under test never started waiting on the clock")
	}
}
