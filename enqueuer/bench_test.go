package enqueuer

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
)

// BenchmarkEnqueue compares the enqueuer against a plain one-goroutine asynq.Client loop over
// the same tasks, both measured in this run; "x_vs_loop" is the speed-up (target: at least 3).
// Each phase writes to queues of its own prefix, so neither finds the other's TaskIDs.
func BenchmarkEnqueue(b *testing.B) {
	const n = 5000
	lib := library(n, 0)
	f := newBed(b)
	ctx := context.Background()
	var loopSec, ourSec float64
	for i := 0; i < b.N; i++ {
		loopPrefix, ourPrefix := fmt.Sprintf("%s-loop%d", f.prefix, i), fmt.Sprintf("%s-ours%d", f.prefix, i)
		b.Cleanup(func() {
			_ = f.insp.DeleteQueue(tasks.QueueName(loopPrefix, tasks.Faces), true)
			_ = f.insp.DeleteQueue(tasks.QueueName(ourPrefix, tasks.Faces), true)
		})

		// Baseline: one goroutine, one Enqueue after another.
		start := nowSec()
		for _, a := range lib {
			t, err := asynqtask.New(payloadFor(tasks.Faces, a, "fr1"), tasks.Options{Prefix: loopPrefix})
			require.NoError(b, err)
			_, err = f.client.EnqueueContext(ctx, t)
			require.NoError(b, err)
		}
		loopSec += nowSec() - start

		start = nowSec()
		o := f.options(tasks.Faces)
		o.Task[tasks.Faces] = tasks.Options{Prefix: ourPrefix}
		o.All = true
		e, err := New(f.batch, nil, o)
		require.NoError(b, err)
		s, err := e.Run(ctx, lib)
		require.NoError(b, err)
		require.Equal(b, n, s.Enqueued)
		ourSec += nowSec() - start
	}
	b.ReportMetric(float64(n*b.N)/loopSec, "loop_tasks/s")
	b.ReportMetric(float64(n*b.N)/ourSec, "enqueuer_tasks/s")
	b.ReportMetric(loopSec/ourSec, "x_vs_loop")
}
