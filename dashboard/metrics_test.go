package dashboard_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/dashboard"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker/registry"
)

// metric finds one sample's value in a text exposition, failing the test when it is absent.
func metric(t *testing.T, body, series string) string {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	t.Fatalf("no sample %s in:\n%s", series, body)
	return ""
}

func TestDashboardMetricsReadQueuesOnScrape(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	kf, capQ := b.queue(tasks.Keyframes), b.queue(tasks.Captions)
	b.enqueue(tasks.Keyframes, 4)
	b.enqueue(tasks.Captions, 2)
	b.fail(tasks.Captions, "bad image")
	reg := registry.New(b.rdb, b.prefix, zerolog.Nop())
	info := registry.NewWorkerInfo("test")
	info.Queues = []registry.QueueInfo{{Name: kf, Concurrency: 3, Device: "cpu"}, {Name: capQ, Concurrency: 2, Device: "cpu"}}
	require.NoError(t, reg.Publish(context.Background(), info, time.Minute))
	srv, _ := b.serve(dashboard.Options{})

	code, body := do(t, "GET", srv.URL+"/metrics", "", nil)
	require.Equal(t, 200, code)
	require.Equal(t, "1", metric(t, body, "mediafleet_redis_up"))
	require.Equal(t, "4", metric(t, body, fmt.Sprintf(`mediafleet_queue_tasks{queue=%q,state="pending"}`, kf)))
	require.Equal(t, "0", metric(t, body, fmt.Sprintf(`mediafleet_queue_tasks{queue=%q,state="archived"}`, kf)))
	require.Equal(t, "2", metric(t, body, fmt.Sprintf(`mediafleet_queue_tasks{queue=%q,state="archived"}`, capQ)))
	require.Equal(t, "2", metric(t, body, fmt.Sprintf(`mediafleet_queue_processed_total{queue=%q}`, capQ)))
	require.Equal(t, "2", metric(t, body, fmt.Sprintf(`mediafleet_queue_failed_total{queue=%q}`, capQ)))
	require.Equal(t, "0", metric(t, body, fmt.Sprintf(`mediafleet_queue_paused{queue=%q}`, kf)))
	require.Equal(t, "1", metric(t, body, "mediafleet_workers"))
	require.Equal(t, "3", metric(t, body, fmt.Sprintf(`mediafleet_queue_worker_concurrency{queue=%q}`, kf)))
	require.Contains(t, body, "# TYPE mediafleet_queue_processed_total counter")
	lat := metric(t, body, fmt.Sprintf(`mediafleet_queue_latency_seconds{queue=%q}`, kf))
	require.NotEqual(t, "0", lat, "four tasks have waited since they were enqueued")

	// Each scrape reads Redis anew.
	require.NoError(t, b.insp.PauseQueue(kf))
	b.enqueue(tasks.Faces, 1)
	_, body = do(t, "GET", srv.URL+"/metrics", "", nil)
	require.Equal(t, "1", metric(t, body, fmt.Sprintf(`mediafleet_queue_paused{queue=%q}`, kf)))
	require.Equal(t, "1", metric(t, body, fmt.Sprintf(`mediafleet_queue_tasks{queue=%q,state="pending"}`, b.queue(tasks.Faces))))
}

func TestDashboardSummarizePayloads(t *testing.T) {
	t.Parallel()
	require.Equal(t, "faces /lib/trip.mp4 frame 3 (model fr1)",
		dashboard.Summarize("mediafleet:faces", []byte(`{"asset":{"asset_key":"h0123456789abcdef0123","path":"/lib/trip.mp4"},"frame":3,"image":"/d/k3.jpg","model_version":"fr1"}`)))
	require.Equal(t, "keyframes /lib/trip.mp4 (model kf1)",
		dashboard.Summarize("mediafleet:keyframes", []byte(`{"asset":{"asset_key":"h0123456789abcdef0123","path":"/lib/trip.mp4"},"model_version":"kf1"}`)))
	require.Equal(t, `{"a":1}`, dashboard.Summarize("other:type", []byte("{ \"a\": 1 }")))
	require.Equal(t, "hello", dashboard.Summarize("mediafleet:faces", []byte("hello")))
	require.Equal(t, "non-printable bytes (3)", dashboard.Summarize("x", []byte{0, 1, 2}))
	// A forged payload of a megabyte is shown by its start and size.
	big := dashboard.Summarize("mediafleet:faces", []byte(`{"asset":{"path":"/`+strings.Repeat("a", 1<<20)+`"}}`))
	require.Less(t, len(big), 1100)
	require.True(t, strings.HasSuffix(big, fmt.Sprintf("... (%d bytes)", 1<<20+22)), big[len(big)-40:])
}

// asynqmon shows payloads through Summarize: kind, path and frame instead of raw JSON.
func TestDashboardAsynqmonShowsSummaries(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	q := b.queue(tasks.Faces)
	ids := b.enqueue(tasks.Faces, 2)
	srv, _ := b.serve(dashboard.Options{})
	code, body := do(t, "GET", srv.URL+"/monitoring/api/queues/"+q+"/pending_tasks", "", nil)
	require.Equal(t, 200, code)
	require.Contains(t, body, `"payload":"faces /library/faces-0.mp4 frame 1 (model fr1)"`)
	require.NotContains(t, body, "asset_key")
	code, body = do(t, "GET", srv.URL+"/monitoring/api/queues/"+q+"/tasks/"+ids[1], "", nil)
	require.Equal(t, 200, code, body)
	require.Contains(t, body, `faces /library/faces-1.mp4 frame 2 (model fr1)`)
}
