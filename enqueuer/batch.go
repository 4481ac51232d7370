package enqueuer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/mediafleet/mediafleet/tasks"
)

// BatchClient enqueues many tasks in one Redis round trip. asynq v0.26.0, which mediafleet
// builds on, enqueues one task per round trip and has no batch call of its own (one was merged
// upstream after that release), so a bulk backlog is bound by latency. BatchClient writes
// exactly what asynq.Client.EnqueueContext writes for a pending task with a TaskID, MaxRetry and
// Timeout: the queue in asynq:queues, the task hash asynq:{q}:t:<id> through asynq's own enqueue
// script (which refuses an existing id), and the id on asynq:{q}:pending. The task message is
// asynq's TaskMessage protobuf. Its tests check the result with asynq's Inspector and a real
// asynq server, so an asynq upgrade that changed the format fails them.
type BatchClient struct {
	rdb       redis.UniversalClient
	published sync.Map // queues already added to asynq:queues
}

// NewBatchClient wraps a go-redis client of the Redis that asynq uses.
func NewBatchClient(rdb redis.UniversalClient) *BatchClient { return &BatchClient{rdb: rdb} }

// asynq v0.26.0's enqueue script (internal/rdb enqueueCmd), byte for byte, in its two parts:
// the refusal of a taken id, and the write of a new pending task.
const (
	enqueueIfNew = `
if redis.call("EXISTS", KEYS[1]) == 1 then
	return 0
end
`
	enqueueWrite = `redis.call("HSET", KEYS[1],
           "msg", ARGV[1],
           "state", "pending",
           "pending_since", ARGV[3])
redis.call("LPUSH", KEYS[2], ARGV[2])
return 1
`
)

var enqueueScript = redis.NewScript(enqueueIfNew + enqueueWrite)

// asynq's defaults for options not given (client.go).
const (
	asynqDefaultMaxRetry = 25
	asynqDefaultTimeout  = 30 * time.Minute
)

// encodeMessage is asynq's base.EncodeMessage for a new pending task: the TaskMessage fields
// type (1), payload (2), id (3), queue (4), retry (5), timeout (8, seconds) and deadline (9, 0:
// none), zero fields left out as proto3 does.
func encodeMessage(w tasks.Envelope) []byte {
	retry := w.MaxRetry
	if retry <= 0 {
		retry = asynqDefaultMaxRetry
	}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = asynqDefaultTimeout
	}
	b := make([]byte, 0, 64+len(w.Body)+len(w.ID)+len(w.Type)+len(w.Queue))
	b = appendString(b, 1, w.Type)
	if len(w.Body) > 0 {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, w.Body)
	}
	b = appendString(b, 3, w.ID)
	b = appendString(b, 4, w.Queue)
	b = protowire.AppendTag(b, 5, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(int64(int32(retry))))
	if s := int64(timeout.Seconds()); s != 0 {
		b = protowire.AppendTag(b, 8, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(s))
	}
	return b
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

// Send enqueues the tasks in one pipeline. errs[i] is nil when task i was added,
// asynq.ErrTaskIDConflict when its id is already taken, or the error that stopped it.
func (c *BatchClient) Send(ctx context.Context, ws []tasks.Envelope) []error {
	_, errs := c.send(ctx, ws, enqueueScript, func(w tasks.Envelope) ([]string, []any) {
		return []string{taskKey(w), queueKeys(w.Queue)[0]}, nil
	})
	return errs
}

// taskKey is asynq's key of a task's hash.
func taskKey(w tasks.Envelope) string { return "asynq:{" + w.Queue + "}:t:" + w.ID }

// send runs script once per task in one pipeline, with the keys and the arguments after
// asynq's own three (message, id, time) that extra gives. answers[i] is the script's answer
// for task i when errs[i] is nil; an answer of 0 (the id is taken) becomes
// asynq.ErrTaskIDConflict.
func (c *BatchClient) send(ctx context.Context, ws []tasks.Envelope, script *redis.Script,
	extra func(tasks.Envelope) ([]string, []any)) (answers []int64, errs []error) {
	errs = make([]error, len(ws))
	answers = make([]int64, len(ws))
	if err := c.publish(ctx, ws); err != nil {
		return answers, fill(len(ws), err)
	}
	run := func() ([]*redis.Cmd, error) {
		now := time.Now().UnixNano()
		pipe := c.rdb.Pipeline()
		cmds := make([]*redis.Cmd, len(ws))
		for i, w := range ws {
			keys, more := extra(w)
			args := append([]any{encodeMessage(w), w.ID, now}, more...)
			cmds[i] = script.EvalSha(ctx, pipe, keys, args...)
		}
		_, err := pipe.Exec(ctx)
		return cmds, err
	}
	cmds, err := run()
	if err != nil && isNoScript(err) {
		if lerr := script.Load(ctx, c.rdb).Err(); lerr != nil {
			err = fmt.Errorf("loading the enqueue script: %w", lerr)
		} else {
			cmds, err = run()
		}
	}
	if cmds == nil && err != nil {
		return answers, fill(len(ws), err)
	}
	for i, cmd := range cmds {
		n, cerr := cmd.Int64()
		switch {
		case cerr != nil:
			errs[i] = cerr
		case n == 0:
			errs[i] = asynq.ErrTaskIDConflict
		}
		answers[i] = n
	}
	return answers, errs
}

func (c *BatchClient) publish(ctx context.Context, ws []tasks.Envelope) error {
	for _, w := range ws {
		if _, done := c.published.Load(w.Queue); done {
			continue
		}
		if err := c.rdb.SAdd(ctx, "asynq:queues", w.Queue).Err(); err != nil {
			return fmt.Errorf("registering queue %s: %w", w.Queue, err)
		}
		c.published.Store(w.Queue, true)
	}
	return nil
}

func isNoScript(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr) && strings.HasPrefix(rerr.Error(), "NOSCRIPT")
}
