package dashboard_test

import (
	"html"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/dashboard"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker/registry"
)

// TestDashboardFleetPageShowsStoppedQueue: a worker that stopped serving a queue shows it as
// stopped with the reason, not as a healthy queue with free slots.
func TestDashboardFleetPageShowsStoppedQueue(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	faces := b.queue(tasks.Faces)
	reason := "the inference session could not be rebuilt after a GPU out-of-memory failure"
	reg := registry.New(b.rdb, b.prefix, zerolog.Nop())
	w := registry.NewWorkerInfo("v-test")
	w.Queues = []registry.QueueInfo{{Name: faces, Concurrency: 4, Device: "GPU-5d1c", Stopped: reason}}
	require.NoError(t, reg.Publish(t.Context(), w, time.Minute))

	srv, _ := b.serve(dashboard.Options{})
	code, body := do(t, "GET", srv.URL+"/", "", nil)
	require.Equal(t, 200, code)
	require.Contains(t, body, `class="stopped"`)
	require.Contains(t, html.UnescapeString(body), reason)
	require.NotContains(t, body, "0 / 4")
}
