package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/schollz/progressbar/v3"

	"github.com/mediafleet/mediafleet/enqueuer"
)

// newProgress shows a live counter of the enqueue run on a terminal. The catalog streams, so
// its size is not known ahead: the bar counts assets and shows the task tallies beside them.
func newProgress(w io.Writer) func(enqueuer.Summary) {
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("enqueue"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("assets"),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(0),
	)
	var mu sync.Mutex
	return func(s enqueuer.Summary) {
		mu.Lock()
		defer mu.Unlock()
		if s.Waiting != nil {
			bar.Describe(fmt.Sprintf("enqueue: %d tasks new; %s", s.Enqueued, s.Waiting))
		} else {
			bar.Describe(fmt.Sprintf("enqueue: %d tasks new, %d queued, %d done, %d skipped, %d errors",
				s.Enqueued, s.AlreadyQueued, s.AlreadyDone, s.Skipped, s.Errors))
		}
		_ = bar.Set64(int64(s.Assets))
	}
}
