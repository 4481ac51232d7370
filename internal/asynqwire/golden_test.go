package asynqwire

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// goldenCase is one task as mediafleet could give it to asynq.Client, and the same task as
// this package's options.
type goldenCase struct {
	name    string
	typ     string
	payload []byte
	id      string
	asynq   []asynq.Option
	ours    Options
}

func goldenCases() []goldenCase {
	deadline := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	return []goldenCase{
		{name: "defaults", typ: "faces", payload: []byte(`{"path":"/lib/a.jpg"}`), id: "faces:abc:fr1"},
		{name: "no payload", typ: "persons", id: "persons:fr1:1700000000"},
		{name: "binary payload", typ: "faces", payload: []byte{0, 1, 2, 0xff, 0x80, '\n'}, id: "faces:bin:fr1"},
		{name: "retry", typ: "captions", payload: []byte(`{}`), id: "captions:k:m",
			asynq: []asynq.Option{asynq.MaxRetry(7)}, ours: Options{MaxRetry: 7}},
		{name: "no retry", typ: "captions", payload: []byte(`{}`), id: "captions:k0:m",
			asynq: []asynq.Option{asynq.MaxRetry(0)}, ours: Options{NoRetry: true}},
		{name: "timeout", typ: "keyframes", payload: []byte(`{"path":"/v.mp4"}`), id: "keyframes:k:kf1",
			asynq: []asynq.Option{asynq.Timeout(90 * time.Second)}, ours: Options{Timeout: 90 * time.Second}},
		{name: "timeout in part seconds", typ: "keyframes", payload: []byte(`{}`), id: "keyframes:k2:kf1",
			asynq: []asynq.Option{asynq.Timeout(2500 * time.Millisecond)}, ours: Options{Timeout: 2500 * time.Millisecond}},
		{name: "deadline alone", typ: "faces", payload: []byte(`{}`), id: "faces:d:fr1",
			asynq: []asynq.Option{asynq.Deadline(deadline)}, ours: Options{Deadline: deadline}},
		{name: "deadline and timeout", typ: "faces", payload: []byte(`{}`), id: "faces:dt:fr1",
			asynq: []asynq.Option{asynq.Deadline(deadline), asynq.Timeout(time.Minute)}, ours: Options{Deadline: deadline, Timeout: time.Minute}},
		{name: "retention", typ: "faces", payload: []byte(`{}`), id: "faces:r:fr1",
			asynq: []asynq.Option{asynq.Retention(36 * time.Hour)}, ours: Options{Retention: 36 * time.Hour}},
		{name: "everything", typ: "captions", payload: []byte(`{"path":"/lib/ü.jpg"}`), id: "captions:all:m1",
			asynq: []asynq.Option{asynq.MaxRetry(3), asynq.Timeout(5 * time.Minute), asynq.Deadline(deadline), asynq.Retention(time.Hour)},
			ours:  Options{MaxRetry: 3, Timeout: 5 * time.Minute, Deadline: deadline, Retention: time.Hour}},
	}
}

// written is what one enqueue left in Redis for a queue: every key under the queue's prefix
// with its content, and whether the queue is in QueuesKey.
type written struct {
	hashes    map[string]map[string]string
	lists     map[string][]string
	published bool
}

func snapshot(t *testing.T, rdb *redis.Client, queue string) written {
	t.Helper()
	ctx := context.Background()
	w := written{hashes: map[string]map[string]string{}, lists: map[string][]string{}}
	keys, err := rdb.Keys(ctx, QueuePrefix(queue)+"*").Result()
	require.NoError(t, err)
	for _, k := range keys {
		typ, err := rdb.Type(ctx, k).Result()
		require.NoError(t, err)
		switch typ {
		case "hash":
			w.hashes[k], err = rdb.HGetAll(ctx, k).Result()
		case "list":
			w.lists[k], err = rdb.LRange(ctx, k, 0, -1).Result()
		default:
			t.Fatalf("asynq wrote key %s of type %s, which this test does not compare", k, typ)
		}
		require.NoError(t, err)
	}
	w.published, err = rdb.SIsMember(ctx, QueuesKey, queue).Result()
	require.NoError(t, err)
	return w
}

func forget(t *testing.T, rdb *redis.Client, queue string) {
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, QueuePrefix(queue)+"*").Result()
	require.NoError(t, err)
	if len(keys) > 0 {
		require.NoError(t, rdb.Del(ctx, keys...).Err())
	}
	require.NoError(t, rdb.SRem(ctx, QueuesKey, queue).Err())
}

// TestWritesAreAsynqClientsWrites: for every field mediafleet sets (type, payload, id, queue,
// retry, timeout, deadline, retention) a task written by Publish and Enqueue leaves in Redis
// exactly the keys asynq.Client.EnqueueContext leaves: the same message bytes, state, pending
// list and queue set, and a pending_since of the same clock.
func TestWritesAreAsynqClientsWrites(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	client := asynq.NewClientFromRedisClient(rdb)
	ctx := context.Background()
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			queue := testenv.Prefix(t) + ":" + c.typ
			t.Cleanup(func() { forget(t, rdb, queue) })

			before := time.Now().UnixNano()
			opts := append([]asynq.Option{asynq.Queue(queue), asynq.TaskID(c.id)}, c.asynq...)
			_, err := client.EnqueueContext(ctx, asynq.NewTask(c.typ, c.payload), opts...)
			require.NoError(t, err)
			theirs := snapshot(t, rdb, queue)
			forget(t, rdb, queue)

			m := NewMessage(c.typ, c.payload, queue, c.id, c.ours)
			require.NoError(t, Publish(ctx, rdb, queue))
			pipe := rdb.Pipeline()
			cmd := Enqueue(ctx, pipe, queue, []Message{m}, Limit{}, time.Now())
			_, err = pipe.Exec(ctx)
			if IsNoScript(err) {
				require.NoError(t, Load(ctx, rdb))
				pipe = rdb.Pipeline()
				cmd = Enqueue(ctx, pipe, queue, []Message{m}, Limit{}, time.Now())
				_, err = pipe.Exec(ctx)
			}
			require.NoError(t, err)
			got, err := cmd.Int64Slice()
			require.NoError(t, err)
			require.Equal(t, []int64{Added}, got)
			ours := snapshot(t, rdb, queue)
			after := time.Now().UnixNano()

			key := TaskKey(queue, c.id)
			require.Contains(t, theirs.hashes, key, "asynq.Client wrote no task hash under TaskKey")
			require.Contains(t, ours.hashes, key)
			// pending_since is the clock at the write: both within the test's window.
			for who, w := range map[string]written{"asynq.Client": theirs, "asynqwire": ours} {
				since, err := strconv.ParseInt(w.hashes[key]["pending_since"], 10, 64)
				require.NoError(t, err, "%s's pending_since", who)
				require.True(t, since >= before && since <= after, "%s's pending_since %d is outside [%d, %d]", who, since, before, after)
				delete(w.hashes[key], "pending_since")
			}
			require.Equal(t, []byte(theirs.hashes[key]["msg"]), []byte(ours.hashes[key]["msg"]), "message bytes")
			require.Equal(t, theirs, ours)
			require.True(t, ours.published)

			// Decode reads asynq's own bytes back into the message written.
			back, err := Decode([]byte(theirs.hashes[key]["msg"]))
			require.NoError(t, err)
			if len(m.Payload) == 0 {
				m.Payload = nil
			}
			require.Equal(t, m.Deadline.Unix(), back.Deadline.Unix())
			back.Deadline, m.Deadline = time.Time{}, time.Time{}
			m.Timeout, m.Retention = m.Timeout.Truncate(time.Second), m.Retention.Truncate(time.Second)
			require.Equal(t, m, back)
		})
	}
}

// TestTakenIDsAreLeftAlone: an id already queued, by either writer, is answered Taken by
// Enqueue and ErrTaskIDConflict by asynq.Client, and its task is not touched.
func TestTakenIDsAreLeftAlone(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	client := asynq.NewClientFromRedisClient(rdb)
	ctx := context.Background()
	queue := testenv.Prefix(t) + ":faces"
	t.Cleanup(func() { forget(t, rdb, queue) })

	_, err := client.EnqueueContext(ctx, asynq.NewTask("faces", []byte("first")), asynq.Queue(queue), asynq.TaskID("a"))
	require.NoError(t, err)
	require.NoError(t, Publish(ctx, rdb, queue))
	require.NoError(t, Load(ctx, rdb))
	msgs := []Message{
		NewMessage("faces", []byte("second"), queue, "a", Options{}),
		NewMessage("faces", []byte("b"), queue, "b", Options{}),
	}
	before := snapshot(t, rdb, queue)
	pipe := rdb.Pipeline()
	cmd := Enqueue(ctx, pipe, queue, msgs, Limit{}, time.Now())
	_, err = pipe.Exec(ctx)
	require.NoError(t, err)
	got, err := cmd.Int64Slice()
	require.NoError(t, err)
	require.Equal(t, []int64{Taken, Added}, got)
	after := snapshot(t, rdb, queue)
	require.Equal(t, before.hashes[TaskKey(queue, "a")], after.hashes[TaskKey(queue, "a")])
	require.Equal(t, []string{"b", "a"}, after.lists[QueueLists(queue).Pending])

	_, err = client.EnqueueContext(ctx, asynq.NewTask("faces", nil), asynq.Queue(queue), asynq.TaskID("b"))
	require.ErrorIs(t, err, asynq.ErrTaskIDConflict)
}

func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}
