package registry

import (
	"context"
	"time"
)

// trackTimeout bounds each write of a task record.
const trackTimeout = 2 * time.Second

// tasksKey is the hash of the tasks one worker runs now: task id -> queue.
func (r *Registry) tasksKey(id string) string { return r.key(id) + ":tasks" }

// Tasks records which tasks one worker is running, so that a recovery pass can put them back
// in their queues if the worker dies. It implements the worker's task tracker.
type Tasks struct {
	r  *Registry
	id string
}

// Tasks returns the task records of worker id.
func (r *Registry) Tasks(id string) *Tasks { return &Tasks{r: r, id: id} }

// Started records that the worker runs task taskID of queue. A failed write is logged: that
// task is then left to asynq's own, slower recovery if the worker dies.
func (t *Tasks) Started(ctx context.Context, queue, taskID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), trackTimeout)
	defer cancel()
	if err := t.r.rdb.HSet(ctx, t.r.tasksKey(t.id), taskID, queue).Err(); err != nil {
		t.r.log.Warn().Err(err).Str("task_id", taskID).Msg("worker registry: recording a running task failed")
	}
}

// Finished forgets task taskID.
func (t *Tasks) Finished(queue, taskID string) {
	ctx, cancel := context.WithTimeout(context.Background(), trackTimeout)
	defer cancel()
	if err := t.r.rdb.HDel(ctx, t.r.tasksKey(t.id), taskID).Err(); err != nil {
		t.r.log.Warn().Err(err).Str("task_id", taskID).Msg("worker registry: forgetting a finished task failed")
	}
}
