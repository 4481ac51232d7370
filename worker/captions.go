package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/inference/captions"
	"github.com/mediafleet/mediafleet/tasks"
)

// CaptionsHandler asks the vision-language model server for a caption and stores it.
type CaptionsHandler struct {
	Captioner captions.Captioner
	Store     store.Store
	Roots     Roots
	// DataDir is where this worker's own keyframe images are read from, and where frames from
	// the store are copied for the task (see frameFile).
	DataDir string
}

// retryAfterError carries a server's Retry-After to the retry policy.
type retryAfterError struct {
	error
	after time.Duration
}

func (e retryAfterError) RetryAfter() time.Duration { return e.after }
func (e retryAfterError) Unwrap() error             { return e.error }

// Handle runs one captions task.
func (h *CaptionsHandler) Handle(ctx context.Context, p *tasks.CaptionsPayload) error {
	image, done, err := frameFile(ctx, h.Roots, h.DataDir, h.Store, &p.FrameRef)
	if err != nil {
		return err
	}
	defer done()
	c, err := h.Captioner.Caption(ctx, image)
	if err != nil {
		if d, ok := captions.RetryAfter(err); ok && d > 0 {
			return retryAfterError{error: err, after: d}
		}
		return err
	}
	if p.Frame == 0 {
		if err := h.Store.UpsertAsset(ctx, assetRecord(p.Asset, "image")); err != nil {
			return fmt.Errorf("storing asset %s: %w", p.Asset.Path, err)
		}
	}
	r := store.CaptionResult{AssetKey: p.Asset.Key, Frame: p.Frame, ModelVersion: p.ModelVersion, Text: c.Text,
		Model: c.Model, Prompt: c.Prompt, Backend: c.Backend, Latency: c.Latency}
	if err := h.Store.PutCaption(ctx, r); err != nil {
		return fmt.Errorf("storing caption of %s: %w", p.Image, err)
	}
	zerolog.Ctx(ctx).Info().Int("frame", p.Frame).Dur("latency", c.Latency).Msg("caption stored")
	return nil
}
