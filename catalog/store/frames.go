package store

import (
	"context"
	"errors"
	"fmt"
)

// schemaFrames holds the JPEG of every stored keyframe, so that a faces or captions task of a
// video frame runs on any worker that reaches the store, not only on the one that cut the
// frame. The bytes live in their own table so that Show and Done never read them; they go with
// their keyframe row (replaced or deleted with it).
var schemaFrames = []string{
	`CREATE TABLE IF NOT EXISTS frame_images (
		asset         TEXT NOT NULL,
		model_version TEXT NOT NULL,
		idx           INTEGER NOT NULL,
		jpeg          BLOB NOT NULL,
		PRIMARY KEY (asset, model_version, idx),
		FOREIGN KEY (asset, model_version, idx)
			REFERENCES keyframes (asset, model_version, idx) ON DELETE CASCADE
	)`,
}

// insertFrameImages writes the JPEGs of the frames that carry one.
func insertFrameImages(ctx context.Context, q querier, r KeyframesResult) error {
	var vals [][]any
	for _, f := range r.Frames {
		if len(f.JPEG) > 0 {
			vals = append(vals, []any{r.Asset.Key, r.ModelVersion, f.Index, f.JPEG})
		}
	}
	if len(vals) == 0 {
		return nil
	}
	return insertRows(ctx, q, "frame_images", []string{"asset", "model_version", "idx", "jpeg"}, vals)
}

// FrameJPEG returns the JPEG of keyframe frame of the asset under key, from the video row
// stored last (the newest keyframes model version); ErrNotFound when the store has none.
func (s *sqlStore) FrameJPEG(ctx context.Context, key string, frame int) ([]byte, error) {
	var b []byte
	err := s.b.tx(ctx, false, func(q querier) error {
		found, err := queryOne(ctx, q, `SELECT f.jpeg FROM frame_images f
			JOIN videos v ON v.asset = f.asset AND v.model_version = f.model_version
			WHERE f.asset = $1 AND f.idx = $2 ORDER BY v.updated_at DESC, v.model_version LIMIT 1`,
			[]any{key, frame}, &b)
		if err == nil && !found {
			err = ErrNotFound
		}
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store %s: frame %d of asset %s: %w", s.where, frame, key, ErrNotFound)
	}
	if err != nil {
		return nil, s.fail(fmt.Sprintf("read frame %d of asset %s", frame, key), err)
	}
	return b, nil
}
