package registry

import (
	"fmt"
	"time"
)

// Timing is how fast the fleet notices a dead worker and takes its tasks back, and how a worker
// makes sure it never keeps running tasks that another worker may already have taken. All of
// the fleet's recovery timing is here, with the reasoning; [DefaultTiming] is what a worker uses
// with the default heartbeat settings.
//
// The rules, each with the property it buys:
//
//   - A worker publishes its entry every Interval with a TTL of TTL; Redis sets the expiry when
//     it runs the write, which is after the worker sent it. So an entry outlives the moment its
//     heartbeat was sent by at least TTL, and a dead worker's entry is gone at most TTL after
//     its death (its last heartbeat came before it).
//   - Self-fencing: a worker whose last successful heartbeat was sent more than TTL-FenceMargin
//     ago cancels every task it runs and starts none until a heartbeat succeeds again. Its entry
//     can expire no sooner than TTL after that send, so its tasks have stopped FenceMargin
//     before any recoverer may see the worker as dead. A worker that is only slow, or cut off
//     for less than TTL-FenceMargin, keeps its tasks.
//   - Every live worker runs a recovery pass every Scan, one at a time through a Redis lock.
//     A pass requeues the recorded tasks of every worker whose entry expired, but only a task
//     still active whose asynq lease runs out before now+LeaseCutoff. asynq's own heartbeat
//     pushes the leases of a live server to now+30 s every 5 s, so a task whose server is alive
//     has a lease of at least now+25 s and is never taken (with 5 s of clock skew to spare);
//     a dead worker's leases end at most 30 s after its death, under the cutoff from death+10 s
//     on, which TTL already waits out.
//
// Worst case from kill -9 to the task running elsewhere, defaults: TTL (20 s) for the entry to
// expire + Scan (2 s) for the next pass + asynq's poll of an idle worker (at most 1.5 s) =
// 23.5 s; typically a heartbeat interval less, since the last heartbeat came before the kill.
// A task no worker record covers (its worker died between asynq handing it out and the record
// being written, one Redis round trip; or a finished task whose acknowledgement a restarted Redis
// lost) is requeued by the first pass after its lease runs out: at most 30 s + Scan after its
// last renewal, where asynq's own lease recovery takes 90-155 s.
type Timing struct {
	// Interval is how often a worker heartbeats (worker.heartbeat).
	Interval time.Duration
	// TTL is how long an entry lives after a heartbeat (worker.heartbeat_ttl).
	TTL time.Duration
	// FenceMargin is how long before its entry could expire a worker that cannot heartbeat
	// cancels its tasks.
	FenceMargin time.Duration
	// Scan is how often a live worker looks for dead ones.
	Scan time.Duration
	// LeaseCutoff: only tasks whose asynq lease ends before now+LeaseCutoff are taken.
	LeaseCutoff time.Duration
}

// asynqLease is asynq's lease (rdb.LeaseDuration) and asynqLeaseRenewal how often its heartbeat
// renews it; asynqPoll is the longest an idle asynq server waits before it looks for a task.
const (
	asynqLease        = 30 * time.Second
	asynqLeaseRenewal = 5 * time.Second
	asynqPoll         = 1500 * time.Millisecond
)

// DefaultTiming is the timing for the given heartbeat settings: a fence margin of a quarter of
// the TTL up to 5 s, a pass every tenth of the TTL up to 2 s, and a lease cutoff 20 s ahead.
// With the default heartbeat (5 s, TTL 20 s): margin 5 s, pass every 2 s.
func DefaultTiming(interval, ttl time.Duration) Timing {
	return Timing{Interval: interval, TTL: ttl, FenceMargin: min(5*time.Second, ttl/4),
		Scan: max(min(2*time.Second, ttl/10), 10*time.Millisecond), LeaseCutoff: 20 * time.Second}
}

// Validate refuses timings that break the rules above.
func (t Timing) Validate() error {
	switch {
	case t.Interval <= 0 || t.TTL <= t.Interval:
		return fmt.Errorf("worker registry: heartbeat every %s with TTL %s: the TTL must be longer than the interval", t.Interval, t.TTL)
	case t.FenceMargin <= 0 || t.TTL-t.FenceMargin <= t.Interval:
		return fmt.Errorf("worker registry: fence margin %s with TTL %s and heartbeat %s: a worker must have at least one heartbeat before it fences itself; raise heartbeat_ttl", t.FenceMargin, t.TTL, t.Interval)
	case t.Scan <= 0:
		return fmt.Errorf("worker registry: recovery pass every %s: must be above 0", t.Scan)
	case t.LeaseCutoff >= asynqLease-asynqLeaseRenewal:
		return fmt.Errorf("worker registry: lease cutoff %s would take tasks that a live asynq server holds (leases reach %s, renewed every %s)", t.LeaseCutoff, asynqLease, asynqLeaseRenewal)
	}
	return nil
}

// WorstRecovery is the longest from a worker's death to its tasks running elsewhere, when
// another worker is idle: the entry's TTL, or the time until the dead worker's leases fall under
// the cutoff if that is longer, plus one pass and asynq's poll.
func (t Timing) WorstRecovery() time.Duration {
	return max(t.TTL, asynqLease-t.LeaseCutoff) + t.Scan + asynqPoll
}
