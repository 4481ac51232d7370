package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/tasks"
)

// Adapt turns a typed handler into an asynq.Handler: it decodes and validates the payload (a bad
// one is archived at once with the reason) and then calls h. P is a pointer to a payload struct,
// e.g. Adapt(func(ctx context.Context, p *tasks.FacesPayload) error {...}).
func Adapt[T any, P interface {
	*T
	tasks.Payload
}](h func(context.Context, P) error) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		p := P(new(T))
		if err := tasks.Decode(t.Payload(), p); err != nil {
			return err
		}
		return h(ctx, p)
	})
}

// assetOf is the asset path of any mediafleet task, for log lines: empty when the payload
// does not validate (the handler then archives it with the reason).
func assetOf(t *asynq.Task) string {
	v, err := tasks.ViewOf(t.Type(), t.Payload())
	if err != nil {
		return ""
	}
	return v.Path
}

// taskMiddleware gives every task a logger carrying its id, type, queue and asset (handlers get
// it with zerolog.Ctx), maps the handler's error in one place, counts in-flight tasks and records
// finished ones for throughput.
func (f *Fleet) taskMiddleware(queue string, next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		id, _ := asynq.GetTaskID(ctx)
		retry, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		log := f.cfg.Log.With().Str("task_id", id).Str("type", t.Type()).Str("queue", queue).
			Str("asset", assetOf(t)).Logger()
		ctx = log.WithContext(ctx)
		f.track(queue, +1)
		defer f.track(queue, -1)

		start := time.Now()
		log.Debug().Int("retry", retry).Msg("task started")
		runCtx, cancel, limit := withTaskTimeout(ctx)
		runCtx, stop := context.WithCancelCause(runCtx)
		var err error
		if f.begin(id, stop) {
			if f.cfg.Tracker != nil {
				f.cfg.Tracker.Started(ctx, queue, id)
			}
			err = fencedErr(runCtx, next.ProcessTask(runCtx, t))
			if f.cfg.Tracker != nil {
				f.cfg.Tracker.Finished(queue, id)
			}
			f.end(id)
		} else {
			err = ErrFenced
		}
		stop(nil)
		cancel()
		err = timedOut(runCtx, ctx, mapError(err, f.cfg.Permanent), assetOf(t), limit, retry)
		took := time.Since(start)
		if queueUnusable(err) {
			f.stopQueue(queue, err)
		}

		archived := err != nil && (errors.Is(err, asynq.SkipRetry) || (retry >= maxRetry && ctx.Err() == nil))
		final := err == nil || archived
		if final && ctx.Err() == nil && f.cfg.Stats != nil {
			if serr := f.cfg.Stats.Record(context.WithoutCancel(ctx), queue, err == nil); serr != nil {
				log.Warn().Err(serr).Msg("recording throughput failed")
			}
		}
		if f.cfg.Observe != nil {
			f.cfg.Observe(queue, took, err)
		}
		switch {
		case err == nil:
			log.Info().Dur("took", took).Msg("task done")
		case errors.Is(err, asynq.SkipRetry):
			log.Error().Str("reason", err.Error()).Dur("took", took).Msg("task archived: permanent failure")
		case archived:
			log.Error().Str("reason", err.Error()).Int("max_retry", maxRetry).Dur("took", took).Msg("task archived: no retries left")
		case errors.Is(err, ErrFenced):
			log.Warn().Err(err).Dur("took", took).Msg("task stopped: this worker lost its heartbeat")
		case queueUnusable(err):
			log.Warn().Err(err).Dur("took", took).Msg("task goes back to its queue for the rest of the fleet")
		case ctx.Err() != nil:
			log.Warn().Err(err).Dur("took", took).Msg("task interrupted by the worker's stop; it goes back to its queue")
		default:
			log.Warn().Err(err).Int("retry", retry).Int("max_retry", maxRetry).Dur("took", took).Msg("task failed; it will be retried")
		}
		return err
	})
}

// asynqLogger routes asynq's own log lines through zerolog.
type asynqLogger struct{ log zerolog.Logger }

func sprint(args []any) string { return fmt.Sprint(args...) }

func (l asynqLogger) Debug(args ...any) { l.log.Debug().Msg(sprint(args)) }
func (l asynqLogger) Info(args ...any)  { l.log.Info().Msg(sprint(args)) }

// Warn passes asynq's warnings on, except its "Retry exhausted" line: the task middleware has
// already logged the archived task with its file and reason.
func (l asynqLogger) Warn(args ...any) {
	msg := sprint(args)
	if strings.HasPrefix(msg, "Retry exhausted for task") {
		l.log.Debug().Msg(msg)
		return
	}
	l.log.Warn().Msg(msg)
}
func (l asynqLogger) Error(args ...any) { l.log.Error().Msg(sprint(args)) }
func (l asynqLogger) Fatal(args ...any) { l.log.Fatal().Msg(sprint(args)) }

// NewAsynqLogger adapts a zerolog.Logger to asynq.Logger, for asynq servers and schedulers.
func NewAsynqLogger(log zerolog.Logger) asynq.Logger { return asynqLogger{log: log} }
