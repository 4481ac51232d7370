package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/inference/keyframes"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
)

// Enqueuer is the part of asynq.Client a handler uses to start follow-up work.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// FollowUp says which tasks a keyframes task starts for each frame it wrote: the kinds, each
// with its model version and enqueue options. A kind missing here is not started.
type FollowUp struct {
	Versions map[tasks.Kind]string
	Options  map[tasks.Kind]tasks.Options
}

// KeyframesHandler extracts the keyframes of a video, stores them with their JPEGs (so that any
// worker can run what follows), and enqueues the faces and captions tasks of every frame
// (stable TaskIDs, so a re-run adds none twice).
type KeyframesHandler struct {
	Extractor keyframes.Extractor
	Store     store.Store
	// DataDir holds the derived files: keyframes/<asset key>/NNNN.jpg.
	DataDir  string
	Roots    Roots
	Client   Enqueuer
	FollowUp FollowUp
	// Room, when set, is asked before the follow-up tasks are enqueued; an error (Redis within
	// its reserve of maxmemory) fails the task as transient, so it runs again once the fleet
	// has drained, rather than filling Redis to where the workers cannot take tasks at all.
	Room func(ctx context.Context) error
}

// Handle runs one keyframes task.
func (h *KeyframesHandler) Handle(ctx context.Context, p *tasks.KeyframesPayload) error {
	log := zerolog.Ctx(ctx)
	if err := h.Roots.Check(p.Asset.Path); err != nil {
		return err
	}
	outDir, err := derivedPath(h.DataDir, "keyframes", p.Asset.Key)
	if err != nil {
		return err
	}
	ex := h.Extractor
	ex.Logger = *log
	res, err := ex.Extract(ctx, p.Asset.Path, outDir)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		log.Warn().Str("ffmpeg", w).Msg("ffmpeg complained but decoded the video")
	}
	if res.Damaged {
		log.Warn().Int("frames", len(res.Frames)).Msg("part of the video is damaged: kept the frames that decode")
	}
	r := store.KeyframesResult{
		Asset: assetRecord(p.Asset, "video"), ModelVersion: p.ModelVersion,
		Video: store.VideoInfo{DurationSec: res.Video.Duration, FPS: res.Video.FPS, Width: res.Video.Width, Height: res.Video.Height},
	}
	for _, f := range res.Frames {
		// The JPEG goes into the store so any worker can run the frame's faces and captions;
		// the file under the data dir stays as this worker's copy.
		jpeg, err := os.ReadFile(f.Path)
		if err != nil {
			return fmt.Errorf("reading keyframe %d of %s: %w", f.Index, p.Asset.Path, err)
		}
		r.Frames = append(r.Frames, store.Keyframe{Index: f.Index, Timestamp: f.Timestamp, Path: f.Path, Width: f.Width, Height: f.Height, JPEG: jpeg})
	}
	if err := h.Store.PutKeyframes(ctx, r); err != nil {
		return fmt.Errorf("storing keyframes of %s: %w", p.Asset.Path, err)
	}
	spawned, err := h.spawn(ctx, p, res.Frames)
	if err != nil {
		return err
	}
	log.Info().Int("frames", len(res.Frames)).Bool("fallback", res.Fallback).Int("follow_up_tasks", spawned).Msg("keyframes extracted")
	return nil
}

// spawn enqueues the follow-up tasks of each frame. A TaskID that is already queued counts as
// done: the task ran before this one failed half-way and was retried.
func (h *KeyframesHandler) spawn(ctx context.Context, p *tasks.KeyframesPayload, frames []keyframes.Frame) (int, error) {
	if h.Client == nil {
		return 0, nil
	}
	if h.Room != nil && len(frames) > 0 {
		if err := h.Room(ctx); err != nil {
			return 0, fmt.Errorf("the follow-up tasks of %s wait: %w", p.Asset.Path, err)
		}
	}
	n := 0
	for _, f := range frames {
		for _, kind := range []tasks.Kind{tasks.Faces, tasks.Captions} {
			version, ok := h.FollowUp.Versions[kind]
			if !ok || version == "" {
				continue
			}
			ref := tasks.FrameRef{Asset: p.Asset, Frame: f.Index, Image: f.Path, ModelVersion: version}
			var payload tasks.Payload = &tasks.FacesPayload{FrameRef: ref}
			if kind == tasks.Captions {
				payload = &tasks.CaptionsPayload{FrameRef: ref}
			}
			t, err := asynqtask.New(payload, h.FollowUp.Options[kind])
			if err != nil {
				return n, Permanent(err)
			}
			_, err = h.Client.EnqueueContext(ctx, t)
			if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
				return n, fmt.Errorf("enqueueing %s of frame %d of %s: %w", kind, f.Index, p.Asset.Path, err)
			}
			if err == nil {
				n++
			}
		}
	}
	return n, nil
}

func assetRecord(a tasks.AssetRef, media string) store.Asset {
	r := store.Asset{Key: a.Key, Path: a.Path, SHA256: a.SHA256, Mime: a.Mime, Media: media, Size: a.Size}
	if a.MTime > 0 {
		r.ModTime = time.Unix(a.MTime, 0).UTC()
	}
	return r
}
