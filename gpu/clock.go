package gpu

import "time"

// Clock is the time source of [Admission], so tests can drive waiting without sleeping.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// After delivers the time once d has passed, like time.After.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the Clock of the real world.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// After is time.After.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
