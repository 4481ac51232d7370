package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/persons"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
)

// PersonsHandler runs one clustering pass over the stored faces of the task's model version.
type PersonsHandler struct {
	Store  store.PersonStore
	Params persons.Params
	Batch  int
}

// Handle runs one persons task.
func (h *PersonsHandler) Handle(ctx context.Context, p *tasks.PersonsPayload) error {
	sum, err := persons.Cluster(ctx, h.Store, p.ModelVersion, h.Params, h.Batch)
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Str("model_version", p.ModelVersion).Int("faces", sum.Faces).Int("joined", sum.Joined).
		Int("waiting", sum.Waiting).Int("created", sum.Created).Int("merged", sum.Merged).Int("persons", sum.Persons).
		Msg("persons updated")
	return nil
}

// PersonsPlanner plans a persons pass after faces tasks: every faces task that finishes
// within one window plans the same pass (one TaskID), due after the window.
type PersonsPlanner struct {
	Client  Enqueuer
	Options tasks.Options
	Window  time.Duration
	// Now tells the time; nil is time.Now.
	Now func() time.Time
}

// After wraps the faces queue's handler: once a faces task succeeds, it plans the pass of
// that task's model version. A failure to plan fails the task, which then runs again (its
// faces are an upsert) and plans again.
func (pl *PersonsPlanner) After(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		if err := next.ProcessTask(ctx, t); err != nil {
			return err
		}
		v, err := tasks.ViewOf(t.Type(), t.Payload())
		if err != nil || v.ModelVersion == "" {
			return nil // the handler accepted it; a payload without a version plans nothing
		}
		return pl.Plan(ctx, v.ModelVersion)
	})
}

// Plan enqueues the pass of the current window for a model version; a pass already planned
// for that window counts as done.
func (pl *PersonsPlanner) Plan(ctx context.Context, modelVersion string) error {
	now := time.Now
	if pl.Now != nil {
		now = pl.Now
	}
	p, due := tasks.PersonsWindow(modelVersion, now(), pl.Window)
	t, err := asynqtask.New(p, pl.Options)
	if err != nil {
		return Permanent(err)
	}
	_, err = pl.Client.EnqueueContext(ctx, t, asynq.ProcessAt(due))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
		return fmt.Errorf("planning the persons pass of %s: %w", modelVersion, err)
	}
	return nil
}
