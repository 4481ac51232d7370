package worker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/tasks"
)

// FaceFinder finds and embeds the faces of one image file (faces.Pipeline does).
type FaceFinder interface {
	ProcessFile(ctx context.Context, path string) (*faces.Result, error)
}

// FacesHandler finds the faces of a photo or keyframe and stores them, zero faces included.
type FacesHandler struct {
	Faces FaceFinder
	Store store.Store
	Roots Roots
	// DataDir is where this worker's own keyframe images are read from, and where frames from
	// the store are copied for the task (see frameFile).
	DataDir string
	// Guard, when set, wraps each model run (GPU memory admission, out-of-memory recovery).
	Guard func(ctx context.Context, run func(context.Context) error) error
	// CropDir, when set, receives each face's aligned crop as
	// <CropDir>/<asset key>/<frame>-<face>.jpg, recorded with the face.
	CropDir string
	// OnRejected, when set, is told how many detections of each task the second check
	// turned away (for the worker's metrics).
	OnRejected func(n int)
}

// Handle runs one faces task.
func (h *FacesHandler) Handle(ctx context.Context, p *tasks.FacesPayload) error {
	image, done, err := frameFile(ctx, h.Roots, h.DataDir, h.Store, &p.FrameRef)
	if err != nil {
		return err
	}
	defer done()
	var res *faces.Result
	run := func(ctx context.Context) error {
		var err error
		res, err = h.Faces.ProcessFile(ctx, image)
		return err
	}
	if h.Guard != nil {
		err = h.Guard(ctx, run)
	} else {
		err = run(ctx)
	}
	if err != nil {
		return err
	}
	if p.Frame == 0 {
		if err := h.Store.UpsertAsset(ctx, assetRecord(p.Asset, "image")); err != nil {
			return fmt.Errorf("storing asset %s: %w", p.Asset.Path, err)
		}
	}
	r := store.FacesResult{AssetKey: p.Asset.Key, Frame: p.Frame, ModelVersion: p.ModelVersion, Image: p.Image,
		Width: res.Width, Height: res.Height}
	for i := range res.Faces {
		f := &res.Faces[i]
		sf := store.Face{Index: i, BBox: [4]float32{f.Box.X1, f.Box.Y1, f.Box.X2, f.Box.Y2}, Score: f.Score,
			Embedding: f.Embedding, Dim: len(f.Embedding)}
		for j, pt := range f.Landmarks {
			sf.Landmarks[j] = [2]float32{pt.X, pt.Y}
		}
		if h.CropDir != "" {
			path, err := derivedPath(h.CropDir, p.Asset.Key, fmt.Sprintf("%04d-%02d.jpg", p.Frame, i))
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return fmt.Errorf("face crops of %s: %w", p.Image, err)
			}
			if err := f.SaveCrop(path); err != nil {
				return fmt.Errorf("face crops of %s: %w", p.Image, err)
			}
			sf.CropPath = path
		}
		r.Faces = append(r.Faces, sf)
	}
	if err := h.Store.PutFaces(ctx, r); err != nil {
		return fmt.Errorf("storing faces of %s: %w", p.Image, err)
	}
	if h.OnRejected != nil && res.Rejected > 0 {
		h.OnRejected(res.Rejected)
	}
	zerolog.Ctx(ctx).Info().Int("frame", p.Frame).Int("faces", len(r.Faces)).Int("rejected", res.Rejected).Msg("faces stored")
	return nil
}
