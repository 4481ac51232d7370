package queuectl_test

import (
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/queuectl"
	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// bed is one test's fixture: its queue prefix in the shared Redis and the clients to it.
type bed struct {
	prefix string
	opt    asynq.RedisConnOpt
	insp   *asynq.Inspector
	client *asynq.Client
	ctl    *queuectl.Controller
}

// newBed makes the test's bed and removes what it left in Redis when the test ends.
func newBed(t *testing.T, extra ...string) *bed {
	t.Helper()
	opt, err := redisconn.ParseRedisURL(testenv.RedisURL(t))
	require.NoError(t, err)
	b := &bed{prefix: testenv.Prefix(t), opt: opt, insp: asynq.NewInspector(opt), client: asynq.NewClient(opt)}
	b.ctl = queuectl.New(b.insp, b.prefix)
	t.Cleanup(func() {
		for _, q := range append(b.ctl.Queues(), extra...) {
			_ = b.insp.DeleteQueue(q, true)
			_ = b.insp.UnpauseQueue(q)
		}
		b.client.Close()
		b.insp.Close()
	})
	return b
}

// archive enqueues n tasks of kind k into queue and archives them with asynq's Inspector.
