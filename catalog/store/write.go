package store

import (
	"context"
	"fmt"
	"strings"
)

// maxParams bounds the placeholders of one multi-row INSERT (SQLite allows 32766,
// PostgreSQL 65535).
const maxParams = 2000

const upsertAssetSQL = `INSERT INTO assets (key, path, sha256, mime, media, size, mtime, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
	ON CONFLICT (key) DO UPDATE SET path = excluded.path, sha256 = excluded.sha256,
		mime = excluded.mime, media = excluded.media, size = excluded.size,
		mtime = excluded.mtime, updated_at = excluded.updated_at`

// UpsertAsset records (or refreshes) one asset.
func (s *sqlStore) UpsertAsset(ctx context.Context, a Asset) error {
	if err := validateAsset(a); err != nil {
		return err
	}
	err := s.b.tx(ctx, true, func(q querier) error { return upsertAsset(ctx, q, a, s.now()) })
	if err != nil {
		return s.fail("upsert asset "+a.Path, err)
	}
	return nil
}

func upsertAsset(ctx context.Context, q querier, a Asset, now int64) error {
	return q.exec(ctx, upsertAssetSQL, a.Key, a.Path, a.SHA256, a.Mime, a.Media, a.Size,
		unixNano(a.ModTime), now)
}

// PutKeyframes upserts the asset and its video row, then replaces its keyframes. The video
// row is written first: it locks the (asset, model version) so concurrent writers of one
// video take turns instead of colliding on the keyframes they insert.
func (s *sqlStore) PutKeyframes(ctx context.Context, r KeyframesResult) error {
	if err := validateKeyframes(r); err != nil {
		return err
	}
	err := s.b.tx(ctx, true, func(q querier) error {
		if err := upsertAsset(ctx, q, r.Asset, s.now()); err != nil {
			return err
		}
		err := q.exec(ctx, `INSERT INTO videos (asset, model_version, duration, fps, width, height, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (asset, model_version) DO UPDATE SET duration = excluded.duration,
				fps = excluded.fps, width = excluded.width, height = excluded.height,
				updated_at = excluded.updated_at`,
			r.Asset.Key, r.ModelVersion, r.Video.DurationSec, r.Video.FPS, r.Video.Width, r.Video.Height,
			s.now())
		if err != nil {
			return err
		}
		if err := q.exec(ctx, `DELETE FROM keyframes WHERE asset = $1 AND model_version = $2`,
			r.Asset.Key, r.ModelVersion); err != nil {
			return err
		}
		vals := make([][]any, len(r.Frames))
		for i, f := range r.Frames {
			vals[i] = []any{r.Asset.Key, r.ModelVersion, f.Index, f.Timestamp, f.Path, f.Width, f.Height}
		}
		if err := insertRows(ctx, q, "keyframes", []string{"asset", "model_version", "idx", "ts", "path", "w", "h"}, vals); err != nil {
			return err
		}
		return insertFrameImages(ctx, q, r)
	})
	if err != nil {
		return s.fail(fmt.Sprintf("put keyframes of %s (%s)", r.Asset.Path, r.ModelVersion), err)
	}
	return nil
}

// PutFaces writes the face scan row first (locking the key, as PutKeyframes does), then
// replaces the faces.
func (s *sqlStore) PutFaces(ctx context.Context, r FacesResult) error {
	vals, err := faceRows(r)
	if err != nil {
		return err
	}
	err = s.b.tx(ctx, true, func(q querier) error {
		err := q.exec(ctx, `INSERT INTO face_scans (asset, frame, model_version, image, width, height, count, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (asset, frame, model_version) DO UPDATE SET image = excluded.image,
				width = excluded.width, height = excluded.height, count = excluded.count,
				updated_at = excluded.updated_at`,
			r.AssetKey, r.Frame, r.ModelVersion, r.Image, r.Width, r.Height, len(r.Faces), s.now())
		if err != nil {
			return err
		}
		if err := q.exec(ctx, `DELETE FROM faces WHERE asset = $1 AND frame = $2 AND model_version = $3`,
			r.AssetKey, r.Frame, r.ModelVersion); err != nil {
			return err
		}
		return insertRows(ctx, q, "faces", []string{"asset", "frame", "model_version", "idx", "bbox", "score",
			"landmarks", "embedding", "dim", "crop_path"}, vals)
	})
	if err != nil {
		return s.fail(fmt.Sprintf("put faces of asset %s frame %d (%s)", r.AssetKey, r.Frame, r.ModelVersion), err)
	}
	return nil
}

// faceRows checks a faces result and renders its rows.
func faceRows(r FacesResult) ([][]any, error) {
	if err := validateFrame("faces", r.AssetKey, r.Frame, r.ModelVersion); err != nil {
		return nil, err
	}
	seen := make(map[int]bool, len(r.Faces))
	vals := make([][]any, 0, len(r.Faces))
	for _, f := range r.Faces {
		bad := func(why string, args ...any) error {
			return fmt.Errorf("%w: faces of asset %s frame %d: face %d: %s", ErrInvalid, r.AssetKey, r.Frame,
				f.Index, fmt.Sprintf(why, args...))
		}
		if seen[f.Index] {
			return nil, bad("index given twice")
		}
		seen[f.Index] = true
		if f.Dim != 0 && f.Dim != len(f.Embedding) {
			return nil, bad("dim %d but the embedding holds %d values", f.Dim, len(f.Embedding))
		}
		bbox, err := encodeJSON(f.BBox)
		if err != nil {
			return nil, bad("bbox %v: %v", f.BBox, err)
		}
		marks, err := encodeJSON(f.Landmarks)
		if err != nil {
			return nil, bad("landmarks %v: %v", f.Landmarks, err)
		}
		vals = append(vals, []any{r.AssetKey, r.Frame, r.ModelVersion, f.Index, bbox, float64(f.Score),
			marks, blobArg(encodeEmbedding(f.Embedding)), len(f.Embedding), f.CropPath})
	}
	return vals, nil
}

// PutCaption replaces the caption of one (asset, frame, model version).
func (s *sqlStore) PutCaption(ctx context.Context, r CaptionResult) error {
	if err := validateFrame("caption", r.AssetKey, r.Frame, r.ModelVersion); err != nil {
		return err
	}
	err := s.b.tx(ctx, true, func(q querier) error {
		return q.exec(ctx, `INSERT INTO captions (asset, frame, model_version, text, model, prompt, backend, latency_ms, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (asset, frame, model_version) DO UPDATE SET text = excluded.text,
				model = excluded.model, prompt = excluded.prompt, backend = excluded.backend,
				latency_ms = excluded.latency_ms, updated_at = excluded.updated_at`,
			r.AssetKey, r.Frame, r.ModelVersion, r.Text, r.Model, r.Prompt, r.Backend,
			durationMS(r.Latency), s.now())
	})
	if err != nil {
		return s.fail(fmt.Sprintf("put caption of asset %s frame %d (%s)", r.AssetKey, r.Frame, r.ModelVersion), err)
	}
	return nil
}

// insertRows inserts rows in as few multi-row INSERTs as the placeholder limit allows.
func insertRows(ctx context.Context, q querier, table string, cols []string, vals [][]any) error {
	per := max(1, maxParams/len(cols))
	for len(vals) > 0 {
		n := min(per, len(vals))
		var sb strings.Builder
		args := make([]any, 0, n*len(cols))
		fmt.Fprintf(&sb, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
		for i, row := range vals[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j, v := range row {
				if j > 0 {
					sb.WriteString(", ")
				}
				args = append(args, v)
				fmt.Fprintf(&sb, "$%d", len(args))
			}
			sb.WriteByte(')')
		}
		if err := q.exec(ctx, sb.String(), args...); err != nil {
			return err
		}
		vals = vals[n:]
	}
	return nil
}

// blobArg passes an empty blob as SQL NULL.
func blobArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
