package worker

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
)

// bed is one test's fixture: its queue prefix in the shared Redis and the clients to it.
type bed struct {
	redis  asynq.RedisConnOpt
	prefix string
	client *asynq.Client
	insp   *asynq.Inspector
}

// newBed makes the test's bed and removes what it left in Redis when the test ends.
func newBed(t testing.TB) *bed {
	t.Helper()
	opt, err := redisconn.ParseRedisURL(testenv.RedisURL(t))
	require.NoError(t, err)
	b := &bed{redis: opt, prefix: testenv.Prefix(t), client: asynq.NewClient(opt), insp: asynq.NewInspector(opt)}
	t.Cleanup(func() {
		for _, k := range tasks.AllKinds() {
			_ = b.insp.DeleteQueue(tasks.QueueName(b.prefix, k), true)
		}
		b.client.Close()
		b.insp.Close()
	})
	return b
}

func (b *bed) enqueueFaces(t *testing.T, n int, image string) []string {
	t.Helper()
	var ids []string
	for i := range n {
		p := &tasks.FacesPayload{FrameRef: tasks.FrameRef{
			Asset: tasks.AssetRef{Key: keyOf(i), Path: fmt.Sprintf("/lib/%d.jpg", i)},
			Image: "/lib/" + strings.TrimPrefix(image, "/lib/"), ModelVersion: "v1",
		}}
		task, err := asynqtask.New(p, tasks.Options{Prefix: b.prefix, MaxRetry: 3})
		require.NoError(t, err)
		_, err = b.client.Enqueue(task)
		require.NoError(t, err)
		ids = append(ids, p.TaskID())
	}
	return ids
}

// bundle and setup are bed's and newBed's former names.
type bundle = bed

func setup(t testing.TB) *bed { return newBed(t) }
