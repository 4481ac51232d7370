package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker"
)

// buildInferenceHandler loads the backend of a faces or captions queue and returns its handler
// and what to close at the end. A nil handler with a nil error means the queue is not served
// (captions without a backend), which it logs once.
func (a *app) buildInferenceHandler(ctx context.Context, cfg *configs.Config, kind tasks.Kind, st store.Store,
	rdb redis.UniversalClient, roots worker.Roots, g *gpu.Setup, m *worker.Metrics) (asynq.Handler, func(), error) {
	switch kind {
	case tasks.Faces:
		fr, err := a.openFaces(cfg, g, m.ObserveBatch)
		if err != nil {
			return nil, nil, fmt.Errorf("queue faces: %w", err)
		}
		h := &worker.FacesHandler{Faces: fr.Pipeline, Store: st, Roots: roots, DataDir: cfg.DataDir, OnRejected: m.ObserveRejected}
		if cfg.Faces.SaveCrops {
			h.CropDir = filepath.Join(cfg.DataDir, "faces")
		}
		h.Guard = g.Guard("faces", fr.Pipeline.Rebuild)
		return worker.Adapt(h.Handle), fr.Close, nil
	case tasks.Captions:
		if cfg.Captions.Backend == "" {
			a.log.Warn().Msg("captions queue not served: no caption backend configured (set captions.backend and captions.url, or MEDIAFLEET_CAPTION_BACKEND and MEDIAFLEET_CAPTION_URL)")
			return nil, nil, nil
		}
		c, err := worker.OpenCaptions(ctx, worker.CaptionsOptions{Config: inference.Captions(cfg), Redis: rdb, QueuePrefix: cfg.QueuePrefix, Log: a.log})
		if err != nil {
			return nil, nil, fmt.Errorf("queue captions: %w", err)
		}
		h := &worker.CaptionsHandler{Captioner: c, Store: st, Roots: roots, DataDir: cfg.DataDir}
		return worker.Adapt(h.Handle), nil, nil
	}
	return nil, nil, fmt.Errorf("no handler for queue %s", kind)
}
