package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/inference/captions"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker"
)

// buildInferenceHandler loads the backend of a faces or captions queue and returns its handler
// and what to close at the end. A nil handler with a nil error means the queue is not served
// (captions without a backend), which it logs once.
func (a *app) buildInferenceHandler(ctx context.Context, cfg *configs.Config, kind tasks.Kind, st store.Store,
	rdb redis.UniversalClient, roots worker.Roots, g *gpuSetup, m *worker.Metrics) (asynq.Handler, func(), error) {
	switch kind {
	case tasks.Faces:
		rt, err := ort.Open(ort.Config{LibraryPath: cfg.Faces.ORTLib}, a.log)
		if err != nil {
			return nil, nil, fmt.Errorf("queue faces: %w", err)
		}
		fc := inference.Faces(cfg)
		fc.Batch.OnBatch = m.ObserveBatch
		if g.onGPU(cfg, "faces") {
			fc.CUDADevice = g.ordinal
			fc.RequireGPU = cfg.Worker.RequireGPU
		}
		sw, err := worker.NewSwappableFaces(func() (worker.FacePipeline, error) { return faces.New(rt, fc, a.log) })
		if err != nil {
			rt.Close()
			return nil, nil, fmt.Errorf("queue faces: %w", err)
		}
		a.log.Info().Str("onnxruntime", rt.Version()).Str("model_version", inference.FacesVersion(cfg)).
			Bool("gpu", g.onGPU(cfg, "faces")).Msg("face models loaded")
		h := &worker.FacesHandler{Faces: sw, Store: st, Roots: roots, OnRejected: m.ObserveRejected}
		if cfg.Faces.SaveCrops {
			h.CropDir = filepath.Join(cfg.DataDir, "faces")
		}
		if g.onGPU(cfg, "faces") {
			rec := gpu.NewRecoverer(a.log, sw.Rebuild)
			need := int64(cfg.Queues["faces"].VRAMMiB)
			h.Guard = func(ctx context.Context, run func(context.Context) error) error {
				release, err := g.admission.Reserve(ctx, need)
				if err != nil {
					return err
				}
				defer release()
				return rec.Do(ctx, run)
			}
		}
		return worker.Adapt(h.Handle), func() { sw.Close(); rt.Close() }, nil
	case tasks.Captions:
		if cfg.Captions.Backend == "" {
			a.log.Warn().Msg("captions queue not served: no caption backend configured (set captions.backend and captions.url, or MEDIAFLEET_CAPTION_BACKEND and MEDIAFLEET_CAPTION_URL)")
			return nil, nil, nil
		}
		c, err := captions.New(inference.Captions(cfg), captions.Options{Logger: a.log, Redis: rdb, KeyPrefix: semaphorePrefix(cfg)})
		if err != nil {
			return nil, nil, fmt.Errorf("queue captions: %w", err)
		}
		hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		info, err := c.Health(hctx)
		cancel()
		if err != nil {
			a.log.Warn().Err(err).Str("backend", c.Name()).Msg("caption backend does not answer yet; captions tasks will wait and retry until it does")
		} else {
			a.log.Info().Str("backend", c.Name()).Str("status", info.Status).Strs("models", info.Models).
				Str("device", info.Device).Bool("model_available", info.ModelAvailable).Msg("caption backend found")
		}
		h := &worker.CaptionsHandler{Captioner: c, Store: st, Roots: roots}
		return worker.Adapt(h.Handle), nil, nil
	}
	return nil, nil, fmt.Errorf("no handler for queue %s", kind)
}

func semaphorePrefix(cfg *configs.Config) string {
	if cfg.QueuePrefix == "" {
		return "mediafleet"
	}
	return "mediafleet:" + cfg.QueuePrefix
}
