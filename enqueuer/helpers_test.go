package enqueuer

import (
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
)

// bed is one test's fixture: its queue prefix in the shared Redis and the clients to it.
type bed struct {
	prefix string
	client *asynq.Client
	batch  *BatchClient
	insp   *asynq.Inspector
	// redisOpt is for asynq servers the tests start.
	redisOpt asynq.RedisConnOpt
}

// newBed makes the test's bed and removes what it left in Redis when the test ends.
func newBed(t testing.TB) *bed {
	opt, err := redisconn.ParseRedisURL(testenv.RedisURL(t))
	require.NoError(t, err)
	rdb, err := redisconn.RedisClient(testenv.RedisURL(t))
	require.NoError(t, err)
	f := &bed{prefix: testenv.Prefix(t), client: asynq.NewClient(opt), batch: NewBatchClient(rdb), insp: asynq.NewInspector(opt), redisOpt: opt}
	t.Cleanup(func() {
		rdb.Close()
		for _, k := range tasks.AllKinds() {
			_ = f.insp.DeleteQueue(tasks.QueueName(f.prefix, k), true)
		}
		f.client.Close()
		f.insp.Close()
	})
	return f
}

// fixture and setup are bed's and newBed's former names.
type fixture = bed

func setup(t testing.TB) *bed { return newBed(t) }
