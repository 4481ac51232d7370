package registry

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/asynqwire"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// activate enqueues task id on queue with asynq.Client and moves it to active as asynq's dequeue
// does, with its lease ending at leaseEnd: a task a worker holds.
func activate(t *testing.T, b bed, queue, id string, leaseEnd time.Time) {
	t.Helper()
	ctx := context.Background()
	c := asynq.NewClient(asynq.RedisClientOpt{Addr: b.rdb.Options().Addr, DB: b.rdb.Options().DB})
	defer c.Close()
	_, err := c.Enqueue(asynq.NewTask("t", nil), asynq.Queue(queue), asynq.TaskID(id))
	require.NoError(t, err)
	l := asynqwire.QueueLists(queue)
	require.NoError(t, b.rdb.LMove(ctx, l.Pending, l.Active, "RIGHT", "LEFT").Err())
	require.NoError(t, b.rdb.ZAdd(ctx, asynqwire.LeaseKey(queue), redis.Z{Score: float64(leaseEnd.Unix()), Member: id}).Err())
	require.NoError(t, b.rdb.HSet(ctx, asynqwire.TaskKey(queue, id), "state", "active").Err())
	t.Cleanup(func() {
		insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: b.rdb.Options().Addr, DB: b.rdb.Options().DB})
		_ = insp.DeleteQueue(queue, true)
		insp.Close()
	})
}

func taskState(t *testing.T, b bed, queue, id string) asynq.TaskState {
	t.Helper()
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: b.rdb.Options().Addr, DB: b.rdb.Options().DB})
	defer insp.Close()
	info, err := insp.GetTaskInfo(queue, id)
	require.NoError(t, err)
	return info.State
}

// TestRecoverRequeuesOnlyDeadWorkersStaleTasks: a pass requeues the tasks of a worker whose
// entry expired when their leases are stale; it leaves a live worker's tasks, a task whose lease
// was renewed (its server is alive), and forgets the dead worker once settled.
func TestRecoverRequeuesOnlyDeadWorkersStaleTasks(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	ctx := context.Background()
	q := b.prefix + ":captions"
	timing := DefaultTiming(5*time.Second, 20*time.Second)

	dead, alive, self := NewWorkerInfo("v"), NewWorkerInfo("v"), NewWorkerInfo("v")
	require.NoError(t, b.reg.Publish(ctx, alive, time.Minute))
	require.NoError(t, b.reg.Publish(ctx, dead, 50*time.Millisecond))
	stale, fresh, live := time.Now().Add(5*time.Second), time.Now().Add(28*time.Second), time.Now().Add(5*time.Second)
	activate(t, b, q, "orphan", stale)
	activate(t, b, q, "held", fresh)
	activate(t, b, q, "alive-task", live)
	b.reg.Tasks(dead.ID).Started(ctx, q, "orphan")
	b.reg.Tasks(dead.ID).Started(ctx, q, "held")
	b.reg.Tasks(dead.ID).Started(ctx, q, "gone-already") // finished, its record left behind
	b.reg.Tasks(alive.ID).Started(ctx, q, "alive-task")
	eventually(t, 5*time.Second, "dead entry expired", func() bool { _, ok := find(t, b.reg, dead.ID); return !ok })

	got, err := b.reg.Recover(ctx, self.ID, timing)
	require.NoError(t, err)
	require.Equal(t, []Recovered{{Worker: dead.ID, Queue: q, TaskID: "orphan"}}, got)
	require.Equal(t, asynq.TaskStatePending, taskState(t, b, q, "orphan"))
	require.Equal(t, asynq.TaskStateActive, taskState(t, b, q, "held"), "a renewed lease means a live server")
	require.Equal(t, asynq.TaskStateActive, taskState(t, b, q, "alive-task"), "a live worker's task is never taken")
	left, err := b.rdb.HKeys(ctx, b.reg.tasksKey(dead.ID)).Result()
	require.NoError(t, err)
	require.Equal(t, []string{"held"}, left, "only the unsettled record stays")
	require.NoError(t, b.rdb.ZScore(ctx, b.reg.index(), dead.ID).Err(), "kept in the index until settled")

	// Its lease runs out (the server is gone after all): the next pass takes it and forgets the worker.
	require.NoError(t, b.rdb.ZAdd(ctx, asynqwire.LeaseKey(q), redis.Z{Score: float64(time.Now().Unix()), Member: "held"}).Err())
	got, err = b.reg.Recover(ctx, self.ID, timing)
	require.NoError(t, err)
	require.Equal(t, []Recovered{{Worker: dead.ID, Queue: q, TaskID: "held"}}, got)
	require.ErrorIs(t, b.rdb.ZScore(ctx, b.reg.index(), dead.ID).Err(), redis.Nil)
	n, err := b.rdb.Exists(ctx, b.reg.tasksKey(dead.ID)).Result()
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestRecoverOnePassAtATime: of many workers running a pass at once, one requeues the task.
func TestRecoverOnePassAtATime(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	ctx := context.Background()
	q := b.prefix + ":faces"
	dead := NewWorkerInfo("v")
	require.NoError(t, b.reg.Publish(ctx, dead, 50*time.Millisecond))
	activate(t, b, q, "orphan", time.Now())
	b.reg.Tasks(dead.ID).Started(ctx, q, "orphan")
	eventually(t, 5*time.Second, "dead entry expired", func() bool { _, ok := find(t, b.reg, dead.ID); return !ok })

	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reg := New(b.rdb, b.prefix, zerolog.Nop())
			got, err := reg.Recover(ctx, NewWorkerInfo("v").ID, DefaultTiming(5*time.Second, 20*time.Second))
			require.NoError(t, err)
			mu.Lock()
			total += len(got)
			mu.Unlock()
		}()
	}
	wg.Wait()
	require.Equal(t, 1, total)
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: b.rdb.Options().Addr, DB: b.rdb.Options().DB})
	defer insp.Close()
	info, err := insp.GetQueueInfo(q)
	require.NoError(t, err)
	require.Equal(t, 1, info.Pending)
	require.Zero(t, info.Active)
}

// TestRunFencedFencesBeforeTheEntryExpires: when Redis stops answering, the worker fences itself
// while its entry still exists, and lifts the fence once heartbeats succeed again.
func TestRunFencedFencesBeforeTheEntryExpires(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.URL()[len("redis://") : len(srv.URL())-2], MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	reg := New(rdb, "fence", zerolog.New(zerolog.NewTestWriter(t)))
	timing := DefaultTiming(200*time.Millisecond, 2*time.Second) // fence 500 ms before expiry
	info := NewWorkerInfo("v")
	events := make(chan bool, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- reg.RunFenced(ctx, timing, func() WorkerInfo { return info }, func(f bool) { events <- f })
	}()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, 10*time.Second, "worker listed", func() bool { _, ok := find(t, reg, info.ID); return ok })

	// A partition: Redis answers no client for 4 s.
	admin := redis.NewClient(&redis.Options{Addr: rdb.Options().Addr})
	t.Cleanup(func() { admin.Close() })
	require.NoError(t, admin.Do(context.Background(), "CLIENT", "PAUSE", "4000", "ALL").Err())
	select {
	case f := <-events:
		require.True(t, f)
	case <-time.After(10 * time.Second):
		t.Fatal("the worker never fenced itself")
	}
	select {
	case f := <-events:
		require.False(t, f, "the fence is lifted once a heartbeat succeeds")
	case <-time.After(20 * time.Second):
		t.Fatal("the fence was never lifted")
	}
}

// TestRecoverOwnTasksNoLongerRunning: a live worker's pass requeues a task recorded for it whose
// lease has lapsed (its end was never written, Redis being away), and leaves the one it still
// runs and one that has just ended (its lease still runs while its end is written).
func TestRecoverOwnTasksNoLongerRunning(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	ctx := context.Background()
	q := b.prefix + ":captions"
	self := NewWorkerInfo("v")
	require.NoError(t, b.reg.Publish(ctx, self, time.Minute))
	lapsed := time.Now().Add(-2 * time.Second)
	activate(t, b, q, "ended", lapsed)
	activate(t, b, q, "running", time.Now().Add(25*time.Second))  // its server renews the lease
	activate(t, b, q, "finishing", time.Now().Add(3*time.Second)) // its end is being written now
	b.reg.Tasks(self.ID).Started(ctx, q, "ended")
	b.reg.Tasks(self.ID).Started(ctx, q, "running")
	b.reg.Tasks(self.ID).Started(ctx, q, "finishing")
	got, err := b.reg.Recover(ctx, self.ID, DefaultTiming(5*time.Second, 20*time.Second))
	require.NoError(t, err)
	require.Equal(t, []Recovered{{Queue: q, TaskID: "ended"}}, got)
	require.Equal(t, asynq.TaskStatePending, taskState(t, b, q, "ended"))
	require.Equal(t, asynq.TaskStateActive, taskState(t, b, q, "running"))
	require.Equal(t, asynq.TaskStateActive, taskState(t, b, q, "finishing"), "a task whose lease still runs is never run again")
}

// TestRecoverLapsedLeases: a task asynq still has active although no server renewed its lease
// for a whole lease (its acknowledgement or its record was lost) is requeued by the next pass,
// whoever's it was; a task under a running lease and another fleet's lapsed task are left alone.
func TestRecoverLapsedLeases(t *testing.T) {
	t.Parallel()
	b, other := newBed(t), newBed(t)
	ctx := context.Background()
	q, otherQ := b.prefix+":faces", other.prefix+":faces"
	timing := DefaultTiming(5*time.Second, 20*time.Second)
	self, live := NewWorkerInfo("v"), NewWorkerInfo("v")
	require.NoError(t, b.reg.Publish(ctx, live, time.Minute))

	activate(t, b, q, "acked-lost", time.Now().Add(-2*time.Second)) // no record anywhere
	activate(t, b, q, "live-but-forgotten", time.Now().Add(-2*time.Second))
	b.reg.Tasks(live.ID).Started(ctx, q, "live-but-forgotten")
	activate(t, b, q, "running", time.Now().Add(25*time.Second))
	activate(t, other, otherQ, "not-ours", time.Now().Add(-2*time.Second))

	got, err := b.reg.Recover(ctx, self.ID, timing)
	require.NoError(t, err)
	require.ElementsMatch(t, []Recovered{{Queue: q, TaskID: "acked-lost"}, {Queue: q, TaskID: "live-but-forgotten"}}, got)
	require.Equal(t, asynq.TaskStatePending, taskState(t, b, q, "acked-lost"))
	require.Equal(t, asynq.TaskStatePending, taskState(t, b, q, "live-but-forgotten"))
	require.Equal(t, asynq.TaskStateActive, taskState(t, b, q, "running"), "a lease still running means a live server")
	require.Equal(t, asynq.TaskStateActive, taskState(t, other, otherQ, "not-ours"), "another fleet's queues are its own")
}
