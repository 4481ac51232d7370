package store

import (
	"context"
	"errors"
	"fmt"
)

// Show returns everything the store holds for the asset at path, read in one snapshot. When
// several keys share the path (the file changed), the most recently recorded one is shown;
// of its video rows, the most recent model version's, with that version's keyframes.
func (s *sqlStore) Show(ctx context.Context, path string) (*AssetView, error) {
	var v *AssetView
	err := s.b.tx(ctx, false, func(q querier) error {
		var err error
		v, err = showAsset(ctx, q, "path", path)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store %s: %s: %w", s.where, path, ErrNotFound)
	}
	if err != nil {
		return nil, s.fail("show "+path, err)
	}
	return v, nil
}

// ShowKey returns everything the store holds for the asset recorded under key.
func (s *sqlStore) ShowKey(ctx context.Context, key string) (*AssetView, error) {
	var v *AssetView
	err := s.b.tx(ctx, false, func(q querier) error {
		var err error
		v, err = showAsset(ctx, q, "key", key)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store %s: asset %s: %w", s.where, key, ErrNotFound)
	}
	if err != nil {
		return nil, s.fail("show asset "+key, err)
	}
	return v, nil
}

// showAsset reads the asset whose column (path or key) holds value.
func showAsset(ctx context.Context, q querier, column, value string) (*AssetView, error) {
	v := &AssetView{Keyframes: []Keyframe{}, Faces: []FaceView{}, FaceScans: []FaceScan{}, Captions: []CaptionResult{}}
	var mtime int64
	found, err := queryOne(ctx, q, `SELECT key, path, sha256, mime, media, size, mtime FROM assets
		WHERE `+column+` = $1 ORDER BY updated_at DESC, key LIMIT 1`, []any{value},
		&v.Key, &v.Path, &v.SHA256, &v.Mime, &v.Media, &v.Size, &mtime)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNotFound
	}
	v.ModTime = fromUnixNano(mtime)
	var (
		video   VideoInfo
		version string
	)
	found, err = queryOne(ctx, q, `SELECT model_version, duration, fps, width, height FROM videos
		WHERE asset = $1 ORDER BY updated_at DESC, model_version LIMIT 1`, []any{v.Key},
		&version, &video.DurationSec, &video.FPS, &video.Width, &video.Height)
	if err != nil {
		return nil, err
	}
	if found {
		v.Video = &video
		err = each(ctx, q, `SELECT idx, ts, path, w, h FROM keyframes WHERE asset = $1 AND model_version = $2
			ORDER BY idx`, []any{v.Key, version}, func(r rows) error {
			var k Keyframe
			if err := r.Scan(&k.Index, &k.Timestamp, &k.Path, &k.Width, &k.Height); err != nil {
				return err
			}
			v.Keyframes = append(v.Keyframes, k)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	err = each(ctx, q, `SELECT frame, model_version, image, width, height, count FROM face_scans WHERE asset = $1
		ORDER BY frame, model_version`, []any{v.Key}, func(r rows) error {
		var fs FaceScan
		if err := r.Scan(&fs.Frame, &fs.ModelVersion, &fs.Image, &fs.Width, &fs.Height, &fs.Count); err != nil {
			return err
		}
		v.FaceScans = append(v.FaceScans, fs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if v.Faces, err = showFaces(ctx, q, v.Key); err != nil {
		return nil, err
	}
	err = each(ctx, q, `SELECT frame, model_version, text, model, prompt, backend, latency_ms FROM captions
		WHERE asset = $1 ORDER BY frame, model_version`, []any{v.Key}, func(r rows) error {
		c := CaptionResult{AssetKey: v.Key}
		var ms float64
		if err := r.Scan(&c.Frame, &c.ModelVersion, &c.Text, &c.Model, &c.Prompt, &c.Backend, &ms); err != nil {
			return err
		}
		c.Latency = fromDurationMS(ms)
		v.Captions = append(v.Captions, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// showFaces reads every face of an asset, in frame, model version and index order.
func showFaces(ctx context.Context, q querier, key string) ([]FaceView, error) {
	faces := []FaceView{}
	err := each(ctx, q, `SELECT f.frame, f.model_version, s.image, f.idx, f.bbox, f.score, f.landmarks,
			f.embedding, f.dim, f.crop_path
		FROM faces f JOIN face_scans s
			ON s.asset = f.asset AND s.frame = f.frame AND s.model_version = f.model_version
		WHERE f.asset = $1 ORDER BY f.frame, f.model_version, f.idx`, []any{key}, func(r rows) error {
		var (
			fv          FaceView
			bbox, marks string
			score       float64
			emb         []byte
		)
		if err := r.Scan(&fv.Frame, &fv.ModelVersion, &fv.Image, &fv.Index, &bbox, &score, &marks,
			&emb, &fv.Dim, &fv.CropPath); err != nil {
			return err
		}
		fv.Score = float32(score)
		if err := decodeJSON(bbox, &fv.BBox); err != nil {
			return fmt.Errorf("face %d frame %d bbox: %w", fv.Index, fv.Frame, err)
		}
		if err := decodeJSON(marks, &fv.Landmarks); err != nil {
			return fmt.Errorf("face %d frame %d landmarks: %w", fv.Index, fv.Frame, err)
		}
		var err error
		if fv.Embedding, err = decodeEmbedding(emb); err != nil {
			return fmt.Errorf("face %d frame %d: %w", fv.Index, fv.Frame, err)
		}
		faces = append(faces, fv)
		return nil
	})
	return faces, err
}

// each calls fn for every row of a query.
func each(ctx context.Context, q querier, stmt string, args []any, fn func(r rows) error) error {
	r, err := q.query(ctx, stmt, args...)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		if err := fn(r); err != nil {
			return err
		}
	}
	return r.Err()
}
