package enqueuer

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Summary is what one enqueue run did. Its JSON form is the `enqueue --json` contract.
type Summary struct {
	DryRun bool `json:"dry_run"`
	// Assets is how many assets the catalog yielded.
	Assets int `json:"assets"`
	// Planned counts the tasks planned (enqueued + already_queued + failed + errors), by kind.
	Planned map[string]int `json:"planned"`
	// Enqueued counts tasks newly added (in a dry run: tasks that would be tried).
	Enqueued int `json:"enqueued"`
	// AlreadyQueued counts tasks whose TaskID is still in Redis, waiting, running or
	// retrying (archived ones count as Failed). A round trip that the Redis client sent again after losing Redis's answer
	// finds the tasks it had added and counts them here: Enqueued+AlreadyQueued is exact,
	// the split between them is not when the connection was lossy.
	AlreadyQueued int `json:"already_queued"`
	// Failed counts tasks an earlier run archived: they failed for good (bad input, or out of
	// retries), and stay archived until `mediafleet queues retry-archived KIND` runs them
	// again. FailedKinds splits them by kind.
	Failed      int            `json:"failed"`
	FailedKinds map[string]int `json:"failed_kinds,omitempty"`
	// AlreadyDone counts tasks whose result the store already holds for the same model version.
	AlreadyDone int `json:"already_done"`
	// Skipped counts catalog entries and tasks passed over; SkippedReasons says why.
	Skipped        int            `json:"skipped"`
	SkippedReasons map[string]int `json:"skipped_reasons"`
	Errors         int            `json:"errors"`
	// ErrorSamples holds the first few error messages.
	ErrorSamples []string `json:"error_samples,omitempty"`
	// Waiting, in a progress report, says which full queue holds the enqueue back.
	Waiting     *Wait         `json:"waiting,omitempty"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	TasksPerSec float64       `json:"tasks_per_sec"`
}

func (s *Summary) skip(reason string, n int) {
	if n == 0 {
		return
	}
	if s.SkippedReasons == nil {
		s.SkippedReasons = map[string]int{}
	}
	s.SkippedReasons[reason] += n
	s.Skipped += n
}

// Line is the one-line human summary printed at the end of a run.
func (s Summary) Line() string {
	var b strings.Builder
	verb := "enqueued"
	if s.DryRun {
		verb = "would enqueue"
	}
	fmt.Fprintf(&b, "%d assets: %s %d tasks, %d already queued, %d already done, %d skipped",
		s.Assets, verb, s.Enqueued, s.AlreadyQueued, s.AlreadyDone, s.Skipped)
	if len(s.SkippedReasons) > 0 {
		reasons := make([]string, 0, len(s.SkippedReasons))
		for r, n := range s.SkippedReasons {
			reasons = append(reasons, fmt.Sprintf("%s: %d", r, n))
		}
		sort.Strings(reasons)
		fmt.Fprintf(&b, " (%s)", strings.Join(reasons, "; "))
	}
	if s.Failed > 0 {
		kinds := make([]string, 0, len(s.FailedKinds))
		for k, n := range s.FailedKinds {
			kinds = append(kinds, fmt.Sprintf("%s: %d", k, n))
		}
		sort.Strings(kinds)
		fmt.Fprintf(&b, ", %d failed before and archived (%s; `mediafleet queues retry-archived KIND` runs them again)",
			s.Failed, strings.Join(kinds, "; "))
	}
	fmt.Fprintf(&b, ", %d errors, %.0f tasks/s in %s", s.Errors, s.TasksPerSec, s.Elapsed.Round(time.Millisecond))
	return b.String()
}
