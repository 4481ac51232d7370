// Package asynqtask turns mediafleet's sealed task envelopes into asynq tasks. It is the one
// place package tasks meets asynq, so that the packages which only read payloads (the
// inference packages, the results store) stay free of asynq.
package asynqtask

import (
	"github.com/hibiken/asynq"

	"github.com/mediafleet/mediafleet/tasks"
)

// FromEnvelope is the asynq task of the envelope, with its queue, id, retry and timeout.
func FromEnvelope(e tasks.Envelope) *asynq.Task {
	// MaxRetry always goes along: left out, asynq would turn 0 into its default of 25.
	opts := []asynq.Option{asynq.Queue(e.Queue), asynq.TaskID(e.ID), asynq.MaxRetry(e.MaxRetry)}
	if e.Timeout > 0 {
		opts = append(opts, asynq.Timeout(e.Timeout))
	}
	return asynq.NewTask(e.Type, e.Body, opts...)
}

// New builds the asynq task for a payload: its type, JSON body, queue and stable TaskID.
func New(p tasks.Payload, o tasks.Options) (*asynq.Task, error) {
	e, err := tasks.Seal(p, o)
	if err != nil {
		return nil, err
	}
	return FromEnvelope(e), nil
}
