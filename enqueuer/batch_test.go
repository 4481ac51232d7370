package enqueuer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/tasks"
)

// TestBatchClientWritesWhatAsynqWrites: a task sent by BatchClient reads back through asynq's
// Inspector exactly like the same task sent by asynq.Client, and a real asynq server runs it.
func TestBatchClientWritesWhatAsynqWrites(t *testing.T) {
	t.Parallel()
	f := newBed(t)
	lib := library(3, 0)
	ctx := context.Background()
	viaBatch, viaClient := f.prefix+"-b", f.prefix+"-c"
	t.Cleanup(func() {
		_ = f.insp.DeleteQueue(tasks.QueueName(viaBatch, tasks.Faces), true)
		_ = f.insp.DeleteQueue(tasks.QueueName(viaClient, tasks.Faces), true)
	})
	var envs []tasks.Envelope
	for i, a := range lib {
		o := tasks.Options{Prefix: viaBatch, MaxRetry: i * 3, Timeout: time.Duration(i) * 90 * time.Second}
		e, err := tasks.Seal(payloadFor(tasks.Faces, a, "fr1"), o)
		require.NoError(t, err)
		envs = append(envs, e)
		o.Prefix = viaClient
		ce, err := tasks.Seal(payloadFor(tasks.Faces, a, "fr1"), o)
		require.NoError(t, err)
		require.NoError(t, ClientSender{f.client}.Send(ctx, []tasks.Envelope{ce})[0])
	}
	for _, err := range f.batch.Send(ctx, envs) {
		require.NoError(t, err)
	}
	for _, err := range f.batch.Send(ctx, envs[:2]) {
		require.ErrorIs(t, err, asynq.ErrTaskIDConflict)
	}
	for i, e := range envs {
		got, err := f.insp.GetTaskInfo(e.Queue, e.ID)
		require.NoError(t, err)
		want, err := f.insp.GetTaskInfo(tasks.QueueName(viaClient, tasks.Faces), e.ID)
		require.NoError(t, err)
		require.Equal(t, want.Type, got.Type)
		require.Equal(t, want.Payload, got.Payload)
		require.Equal(t, want.MaxRetry, got.MaxRetry)
		require.Equal(t, i*3, got.MaxRetry, "max_retry as configured; 0 means no retry, not asynq's 25")
		require.Equal(t, want.Timeout, got.Timeout)
		require.Equal(t, want.Deadline, got.Deadline)
		require.Equal(t, asynq.TaskStatePending, got.State)
		require.Equal(t, e.ID, got.ID)
	}
	queues, err := f.insp.Queues()
	require.NoError(t, err)
	require.Contains(t, queues, tasks.QueueName(viaBatch, tasks.Faces))

	// A real server takes them and sees the payloads intact.
	seen := make(chan string, 10)
	srv := asynq.NewServer(f.redisOpt, asynq.Config{Concurrency: 2, Queues: map[string]int{tasks.QueueName(viaBatch, tasks.Faces): 1},
		LogLevel: asynq.FatalLevel})
	mux := asynq.NewServeMux()
	mux.HandleFunc(tasks.Faces.TypeName(), func(ctx context.Context, task *asynq.Task) error {
		var p tasks.FacesPayload
		if err := tasks.Decode(task.Payload(), &p); err != nil {
			return err
		}
		id, _ := asynq.GetTaskID(ctx)
		seen <- fmt.Sprint(id == p.TaskID())
		return nil
	})
	require.NoError(t, srv.Start(mux))
	defer srv.Shutdown()
	for range envs {
		select {
		case ok := <-seen:
			require.Equal(t, "true", ok)
		case <-time.After(20 * time.Second):
			t.Fatal("the asynq server did not run the batched tasks")
		}
	}
}
