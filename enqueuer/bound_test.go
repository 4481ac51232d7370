package enqueuer

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/tasks"
)

func (f *bed) envelopes(t *testing.T, kind tasks.Kind, lib sliceSource) []tasks.Envelope {
	t.Helper()
	var out []tasks.Envelope
	for _, a := range lib {
		e, err := tasks.Seal(payloadFor(kind, a, "v1"), tasks.Options{Prefix: f.prefix})
		require.NoError(t, err)
		out = append(out, e)
	}
	return out
}

func (f *bed) bound(max, fanout int) Bound {
	return Bound{MaxPending: max, Fanout: fanout,
		Down: []string{tasks.QueueName(f.prefix, tasks.Faces), tasks.QueueName(f.prefix, tasks.Captions)}}
}

// TestSendBoundedStopsAtMax: Redis takes tasks while the queue has room and refuses the rest
// with ErrQueueFull naming the queue; a task already queued is answered as such even when the
// queue is full, so a second run over the same catalog goes at full speed.
func TestSendBoundedStopsAtMax(t *testing.T) {
	t.Parallel()
	f := newBed(t)
	ctx := context.Background()
	envs := f.envelopes(t, tasks.Faces, library(10, 0))
	errs := f.batch.SendBounded(ctx, envs, f.bound(4, 50))
	for i, err := range errs {
		if i < 4 {
			require.NoError(t, err)
			continue
		}
		require.ErrorIs(t, err, ErrQueueFull)
		require.ErrorContains(t, err, tasks.QueueName(f.prefix, tasks.Faces))
	}
	require.Equal(t, 4, f.size(t, tasks.Faces))
	for _, err := range f.batch.SendBounded(ctx, envs[:4], f.bound(4, 50)) {
		require.ErrorIs(t, err, asynq.ErrTaskIDConflict)
	}
	waiting, active, err := f.batch.Backlog(ctx, envs[0].Queue)
	require.NoError(t, err)
	require.Equal(t, 4, waiting)
	require.Zero(t, active)
}

// TestSendBoundedKeyframesNeedRoomDownstream: a keyframes task goes in only while every
// keyframes task not finished, itself included, could still put its frames into the queues it
// feeds.
func TestSendBoundedKeyframesNeedRoomDownstream(t *testing.T) {
	t.Parallel()
	f := newBed(t)
	ctx := context.Background()
	b := f.bound(100, 30) // room downstream for 3 videos of 30 frames
	kf := f.envelopes(t, tasks.Keyframes, library(0, 5))
	errs := f.batch.SendBounded(ctx, kf, b)
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.NoError(t, errs[2])
	require.ErrorIs(t, errs[3], ErrQueueFull)
	var qf *QueueFullError
	require.True(t, errors.As(errs[3], &qf))
	require.Contains(t, []string{b.Down[0], b.Down[1]}, qf.Queue, "the wait names the queue fed")

	// 50 faces tasks waiting leave room for one video only: none more goes in.
	for _, err := range f.batch.SendBounded(ctx, f.envelopes(t, tasks.Faces, library(50, 0)), b) {
		require.NoError(t, err)
	}
	require.ErrorIs(t, f.batch.SendBounded(ctx, kf[3:4], b)[0], ErrQueueFull)
	require.Equal(t, 3, f.size(t, tasks.Keyframes))
}

// TestMaxPendingHoldsBackUntilTheFleetDrains runs an enqueue of 5 times more tasks than the
// bound while a worker drains the queue slowly: every task goes in once, and the backlog
// never passes the bound, checked by the worker on every task it takes.
func TestMaxPendingHoldsBackUntilTheFleetDrains(t *testing.T) {
	t.Parallel()
	f := newBed(t)
	const maxPending, n = 40, 200
	o := f.options(tasks.Faces)
	o.MaxPending, o.Poll = maxPending, 20*time.Millisecond
	var mu sync.Mutex
	var waits []Wait
	o.Progress = func(s Summary) {
		if s.Waiting != nil {
			mu.Lock()
			waits = append(waits, *s.Waiting)
			mu.Unlock()
		}
	}
	e, err := New(f.batch, doneSet{}, o)
	require.NoError(t, err)

	queue := tasks.QueueName(f.prefix, tasks.Faces)
	var seen sync.Map
	var peak, ran int
	var pmu sync.Mutex
	srv := asynq.NewServer(f.redisOpt, asynq.Config{Concurrency: 2, Queues: map[string]int{queue: 1}, LogLevel: asynq.FatalLevel})
	mux := asynq.NewServeMux()
	mux.HandleFunc(tasks.Faces.TypeName(), func(ctx context.Context, task *asynq.Task) error {
		id, _ := asynq.GetTaskID(ctx)
		if _, dup := seen.LoadOrStore(id, true); dup {
			t.Errorf("task %s ran twice", id)
		}
		waiting, _, err := f.batch.Backlog(ctx, queue)
		if err != nil {
			return err
		}
		pmu.Lock()
		peak, ran = max(peak, waiting), ran+1
		pmu.Unlock()
		time.Sleep(2 * time.Millisecond) // a fleet slower than the enqueuer
		return nil
	})
	require.NoError(t, srv.Start(mux))
	defer srv.Shutdown()

	s, err := e.Run(context.Background(), library(n, 0))
	require.NoError(t, err)
	require.Equal(t, n, s.Enqueued)
	require.Eventually(t, func() bool { pmu.Lock(); defer pmu.Unlock(); return ran == n }, time.Minute, 10*time.Millisecond)
	require.LessOrEqual(t, peak, maxPending, "the backlog passed the bound")
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, waits, "the enqueue reported that it waited")
	require.Equal(t, queue, waits[0].Queue)
	require.Contains(t, waits[len(waits)-1].String(), "waiting for the fleet: "+queue)
}

// TestMaxPendingStopsCleanly: an enqueue waiting on a full queue that nobody drains stops
// when its context ends (Ctrl-C), with exactly the bound enqueued; a second run goes on from
// there and adds the rest, nothing twice.
func TestMaxPendingStopsCleanly(t *testing.T) {
	t.Parallel()
	f := newBed(t)
	o := f.options(tasks.Faces)
	o.MaxPending, o.Poll = 30, 10*time.Millisecond
	waiting := make(chan struct{})
	var once sync.Once
	o.Progress = func(s Summary) {
		if s.Waiting != nil {
			once.Do(func() { close(waiting) })
		}
	}
	e, err := New(f.batch, doneSet{}, o)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-waiting; cancel() }()
	lib := library(100, 0)
	s, err := e.Run(ctx, lib)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 30, s.Enqueued)
	require.Zero(t, s.Errors)

	o.Progress = nil
	o.MaxPending = 1000
	e, err = New(f.batch, doneSet{}, o)
	require.NoError(t, err)
	s, err = e.Run(context.Background(), lib)
	require.NoError(t, err)
	require.Equal(t, 30, s.AlreadyQueued)
	require.Equal(t, 70, s.Enqueued)
	require.Equal(t, 100, f.size(t, tasks.Faces))
}

func TestMaxPendingBelowFanoutRefused(t *testing.T) {
	t.Parallel()
	f := newBed(t)
	o := f.options()
	o.MaxPending, o.Fanout = 10, 50
	_, err := New(f.batch, doneSet{}, o)
	require.ErrorContains(t, err, "max_frames")
	_, err = New(ClientSender{f.client}, doneSet{}, func() Options { o := f.options(tasks.Faces); o.MaxPending = 5; return o }())
	require.ErrorContains(t, err, "cannot keep a queue's backlog bounded")
}
