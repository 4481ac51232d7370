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

// enqueueScript writes what asynq v0.26.0's enqueue script (internal/rdb enqueueCmd) writes
// for each new pending task, for many tasks of one queue in one call: the task hash
// asynq:{q}:t:<id> with msg, state "pending" and pending_since, and the id pushed on
// asynq:{q}:pending; an id that is taken is answered 0 and left alone, as asynq's script does.
// One call per queue and batch, rather than one per task, halves Redis's work per task.
//
// With a bound (ARGV[2] above 0) a task goes in only while its queue's backlog (pending +
// scheduled + retry, asynq's own lists) is under the bound, answered -1 otherwise; for a
// keyframes task (ARGV[3], its fan-out, above 0) every keyframes task not finished yet, itself
// included, may still add that many tasks to each queue it feeds, whose smallest room the
// caller read just before (ARGV[4]): -2 when that room would not do.
//
// KEYS: pending, scheduled, retry, active, then each task's hash.
// ARGV: now (ns), bound, fan-out, room, then each task's message and id.
var enqueueScript = redis.NewScript(`
local bound, fanout, room = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local backlog, active = 0, 0
if bound > 0 then
	backlog = redis.call("LLEN", KEYS[1]) + redis.call("ZCARD", KEYS[2]) + redis.call("ZCARD", KEYS[3])
	if fanout > 0 then
		active = redis.call("LLEN", KEYS[4])
	end
end
local out = {}
for i = 5, #KEYS do
	local a = 2 * i - 5
	if redis.call("EXISTS", KEYS[i]) == 1 then
		if redis.call("HGET", KEYS[i], "state") == "archived" then
			out[#out + 1] = -3
		else
			out[#out + 1] = 0
		end
	elseif bound > 0 and backlog >= bound then
		out[#out + 1] = -1
	elseif bound > 0 and fanout > 0 and (backlog + active + 1) * fanout > room then
		out[#out + 1] = -2
	else
		redis.call("HSET", KEYS[i],
		           "msg", ARGV[a],
		           "state", "pending",
		           "pending_since", ARGV[1])
		redis.call("LPUSH", KEYS[1], ARGV[a + 1])
		backlog = backlog + 1
		out[#out + 1] = 1
	end
end
return out
`)

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

// ErrArchived is the answer for a task whose TaskID an archived task holds: an earlier run
// of it failed for good. It also matches asynq.ErrTaskIDConflict.
var ErrArchived = fmt.Errorf("archived after failing: %w", asynq.ErrTaskIDConflict)

// Send enqueues the tasks in one pipeline. errs[i] is nil when task i was added,
// asynq.ErrTaskIDConflict when its id is already taken, or the error that stopped it.
func (c *BatchClient) Send(ctx context.Context, ws []tasks.Envelope) []error {
	_, errs := c.send(ctx, ws, Bound{}, 0)
	return errs
}

// taskKey is asynq's key of a task's hash.
func taskKey(w tasks.Envelope) string { return "asynq:{" + w.Queue + "}:t:" + w.ID }

// send runs enqueueScript once per queue of the batch, all in one pipeline, under bound b
// (none when b.MaxPending is 0); room is the smallest room of the queues keyframes tasks
// feed. answers[i] is the script's answer for task i when errs[i] is nil; an answer of 0 (the
// id is taken) becomes asynq.ErrTaskIDConflict.
func (c *BatchClient) send(ctx context.Context, ws []tasks.Envelope, b Bound, room int) (answers []int64, errs []error) {
	errs = make([]error, len(ws))
	answers = make([]int64, len(ws))
	if err := c.publish(ctx, ws); err != nil {
		return answers, fill(len(ws), err)
	}
	// The tasks of each queue, in their order.
	var queues []string
	byQueue := map[string][]int{}
	for i, w := range ws {
		if _, ok := byQueue[w.Queue]; !ok {
			queues = append(queues, w.Queue)
		}
		byQueue[w.Queue] = append(byQueue[w.Queue], i)
	}
	run := func() ([]*redis.Cmd, error) {
		now := time.Now().UnixNano()
		pipe := c.rdb.Pipeline()
		cmds := make([]*redis.Cmd, len(queues))
		for qi, q := range queues {
			idx := byQueue[q]
			qk := queueKeys(q)
			keys := append(make([]string, 0, 4+len(idx)), qk[:]...)
			fanout := 0
			if kind, _ := tasks.KindOfType(ws[idx[0]].Type); kind == tasks.Keyframes && b.MaxPending > 0 && len(b.Down) > 0 {
				fanout = max(b.Fanout, 1)
			}
			args := append(make([]any, 0, 4+2*len(idx)), now, b.MaxPending, fanout, room)
			for _, i := range idx {
				keys = append(keys, taskKey(ws[i]))
				args = append(args, encodeMessage(ws[i]), ws[i].ID)
			}
			cmds[qi] = enqueueScript.EvalSha(ctx, pipe, keys, args...)
		}
		_, err := pipe.Exec(ctx)
		return cmds, err
	}
	cmds, err := run()
	if err != nil && isNoScript(err) {
		if lerr := enqueueScript.Load(ctx, c.rdb).Err(); lerr != nil {
			err = fmt.Errorf("loading the enqueue script: %w", lerr)
		} else {
			cmds, err = run()
		}
	}
	if cmds == nil && err != nil {
		return answers, fill(len(ws), err)
	}
	for qi, cmd := range cmds {
		idx := byQueue[queues[qi]]
		got, cerr := cmd.Int64Slice()
		if cerr == nil && len(got) != len(idx) {
			cerr = fmt.Errorf("the enqueue script answered %d times for %d tasks", len(got), len(idx))
		}
		for j, i := range idx {
			switch {
			case cerr != nil:
				errs[i] = cerr
			case got[j] == 0:
				errs[i] = asynq.ErrTaskIDConflict
			case got[j] == -3:
				errs[i] = ErrArchived
			}
			if cerr == nil {
				answers[i] = got[j]
			}
		}
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
