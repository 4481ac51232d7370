// Command mediafleet drains the AI backlog of a photo and video library: `enqueue` turns a
// catalog into tasks, `worker` runs them with per-queue concurrency, `dashboard` shows the
// queues, `status` and `show` report progress and results. Run `mediafleet help` for the list.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "mediafleet:", err)
		os.Exit(exitCode(err))
	}
}
