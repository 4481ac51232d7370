package asynqwire

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Answers of the enqueue script, one per task.
const (
	// Taken: a task with that id is already in the queue (waiting, running or retrying); nothing was written,
	// as asynq's own enqueue script does (asynq.ErrTaskIDConflict).
	Taken int64 = 0
	// Added: the task is pending.
	Added int64 = 1
	// Full: the queue's backlog had reached Limit.MaxPending.
	Full int64 = -1
	// NoRoom: a keyframes task would overfill the queues it feeds (Limit.Fanout, Limit.Room).
	NoRoom int64 = -2
	// Archived: the task with that id was archived (it failed for good); nothing was written.
	Archived int64 = -3
)

// Limit bounds what one enqueue script call adds. The zero Limit bounds nothing.
type Limit struct {
	// MaxPending is the most tasks the queue may hold pending, scheduled or retrying; 0 is
	// no bound.
	MaxPending int
	// Fanout, above 0 with a bound, is how many tasks of each fed queue one task of this
	// queue may add when it runs: every such task not finished yet, the new one included,
	// must fit in Room.
	Fanout int
	// Room is the smallest free room of the fed queues, read just before.
	Room int
}

// enqueueScript writes what asynq v0.26.0's enqueue script (internal/rdb enqueueCmd) writes
// for each new pending task, for many tasks of one queue in one call: the task hash
// asynq:{q}:t:<id> with msg, state "pending" and pending_since, and the id pushed on
// asynq:{q}:pending; an id that is taken is answered 0 and left alone, as asynq's script does
// (-3 when the task holding it is archived, whose state field asynq sets to "archived").
// One call per queue and batch, rather than one per task, halves Redis's work per task.
//
// With a bound (ARGV[2] above 0) a task goes in only while its queue's backlog (pending +
// scheduled + retry, asynq's own lists) is under the bound, answered -1 otherwise; with a
// fan-out (ARGV[3] above 0) every task of the queue not finished yet, itself included, may
// still add that many tasks to each queue it feeds, whose smallest room the caller read just
// before (ARGV[4]): -2 when that room would not do.
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

// Enqueue adds to pipe one call of the enqueue script for msgs, which must all be of queue,
// under limit l, stamped pending since now. The command's Int64Slice holds one answer per
// message (Added, Taken, Archived, Full or NoRoom), once the pipeline has run. It uses EVALSHA: when the
// pipeline fails with an error matching IsNoScript, Load the script and run it again.
// The queue must already be in QueuesKey (Publish) for the Inspector to list it.
func Enqueue(ctx context.Context, pipe redis.Scripter, queue string, msgs []Message, l Limit, now time.Time) *redis.Cmd {
	lists := QueueLists(queue)
	keys := append(make([]string, 0, 4+len(msgs)), lists.Pending, lists.Scheduled, lists.Retry, lists.Active)
	args := append(make([]any, 0, 4+2*len(msgs)), now.UnixNano(), l.MaxPending, l.Fanout, l.Room)
	for _, m := range msgs {
		if m.Queue != queue {
			cmd := redis.NewCmd(ctx)
			cmd.SetErr(errors.New("asynqwire: message of queue " + m.Queue + " in a batch of queue " + queue))
			return cmd
		}
		keys = append(keys, TaskKey(queue, m.ID))
		args = append(args, m.Encode(), m.ID)
	}
	return enqueueScript.EvalSha(ctx, pipe, keys, args...)
}

// Load loads the enqueue script into Redis's script cache.
func Load(ctx context.Context, c redis.Scripter) error { return enqueueScript.Load(ctx, c).Err() }

// IsNoScript tells whether err is Redis's answer to an EVALSHA of a script it does not hold.
func IsNoScript(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr) && strings.HasPrefix(rerr.Error(), "NOSCRIPT")
}

// Publish adds queue to QueuesKey, as asynq.Client does before its first task of a queue.
func Publish(ctx context.Context, c redis.Cmdable, queue string) error {
	return c.SAdd(ctx, QueuesKey, queue).Err()
}
