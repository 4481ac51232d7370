package queuectl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/mediafleet/mediafleet/tasks"
)

// Pause stops workers from taking new tasks of queue; running tasks finish. It reports false
// when the queue was already paused.
func (c *Controller) Pause(ctx context.Context, queue string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := c.insp.PauseQueue(queue); err != nil {
		// asynq has no sentinel for this; its message is "queue %q is already paused".
		if strings.Contains(err.Error(), "already paused") {
			return false, nil
		}
		return false, fmt.Errorf("pausing queue %s: %w", queue, err)
	}
	return true, nil
}

// Resume lets workers take tasks of queue again. It reports false when the queue was not paused.
func (c *Controller) Resume(ctx context.Context, queue string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := c.insp.UnpauseQueue(queue); err != nil {
		if strings.Contains(err.Error(), "is not paused") {
			return false, nil
		}
		return false, fmt.Errorf("resuming queue %s: %w", queue, err)
	}
	return true, nil
}

// listPage is how many archived tasks RetryArchived reads at a time.
const listPage = 500

// RetryArchived moves the archived tasks of queue back to pending and returns how many it moved.
// kind "" moves them all; otherwise only tasks of that kind's type move. Each queue carries
// one kind, so asking the keyframes queue for faces tasks is refused as a mistake rather than
// moving nothing; a queue of another fleet is filtered by task type.
func (c *Controller) RetryArchived(ctx context.Context, queue, kind string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if kind == "" {
		n, err := c.insp.RunAllArchivedTasks(queue)
		if err != nil && c.missing(queue) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("retrying archived tasks of %s: %w", queue, err)
		}
		return n, nil
	}
	k, err := tasks.ParseKind(kind)
	if err != nil {
		return 0, err
	}
	if qk, ok := tasks.KindOfQueue(c.prefix, queue); ok && qk != k {
		return 0, fmt.Errorf("queue %s carries %s tasks only, not %s: name the %s queue instead", queue, qk, k, k)
	}
	// Collect first, then run: running a task takes it out of the archived set and would shift
	// the pages under the listing.
	var ids []string
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		list, err := c.insp.ListArchivedTasks(queue, asynq.PageSize(listPage), asynq.Page(page))
		if errors.Is(err, asynq.ErrQueueNotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("listing archived tasks of %s: %w", queue, err)
		}
		for _, t := range list {
			if t.Type == k.TypeName() {
				ids = append(ids, t.ID)
			}
		}
		if len(list) < listPage {
			break
		}
	}
	n := 0
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		err := c.insp.RunTask(queue, id)
		if errors.Is(err, asynq.ErrTaskNotFound) {
			continue // retried or deleted by someone else meanwhile
		}
		if err != nil {
			return n, fmt.Errorf("retrying archived task %s of %s: %w", id, queue, err)
		}
		n++
	}
	return n, nil
}

// PurgeArchived deletes every archived task of queue and returns how many it deleted.
func (c *Controller) PurgeArchived(ctx context.Context, queue string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.insp.DeleteAllArchivedTasks(queue)
	if err != nil && c.missing(queue) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("purging archived tasks of %s: %w", queue, err)
	}
	return n, nil
}
