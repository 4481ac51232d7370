package store

import (
	"context"
	"fmt"
	"strings"
)

// doneChunk is how many keys one Done query asks about.
const doneChunk = 500

// doneSQL finds, per kind, which assets already hold a result of a model version; %s is
// the list of key placeholders from $2 on.
var doneSQL = map[string]string{
	"keyframes": `SELECT asset FROM videos WHERE model_version = $1 AND asset IN (%s)`,
	"faces":     `SELECT asset FROM face_scans WHERE frame = 0 AND model_version = $1 AND asset IN (%s)`,
	"captions":  `SELECT asset FROM captions WHERE frame = 0 AND model_version = $1 AND asset IN (%s)`,
}

// Done reports which of the keys already hold a result of kind for the model version, in
// queries of up to doneChunk keys. Keys without a result are absent from the map.
func (s *sqlStore) Done(ctx context.Context, kind string, modelVersion string, assetKeys []string) (map[string]bool, error) {
	stmt, ok := doneSQL[kind]
	if !ok {
		return nil, fmt.Errorf("%w %q: want keyframes, faces or captions", ErrUnknownKind, kind)
	}
	done := make(map[string]bool)
	seen := make(map[string]bool, len(assetKeys))
	keys := make([]string, 0, len(assetKeys))
	for _, k := range assetKeys {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for len(keys) > 0 {
		n := min(doneChunk, len(keys))
		args := make([]any, 0, n+1)
		args = append(args, modelVersion)
		marks := make([]string, n)
		for i, k := range keys[:n] {
			args = append(args, k)
			marks[i] = fmt.Sprintf("$%d", i+2)
		}
		if err := s.collectDone(ctx, fmt.Sprintf(stmt, strings.Join(marks, ",")), args, done); err != nil {
			return nil, s.fail(fmt.Sprintf("look up done %s (%s)", kind, modelVersion), err)
		}
		keys = keys[n:]
	}
	return done, nil
}

func (s *sqlStore) collectDone(ctx context.Context, stmt string, args []any, done map[string]bool) error {
	r, err := s.b.query(ctx, stmt, args...)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		var k string
		if err := r.Scan(&k); err != nil {
			return err
		}
		done[k] = true
	}
	return r.Err()
}

// EachFace streams the faces with an embedding of the model version (every version when
// empty), row by row, to fn; the first error fn returns stops the walk and is returned.
func (s *sqlStore) EachFace(ctx context.Context, modelVersion string, fn func(FaceRow) error) error {
	stmt := `SELECT f.asset, a.path, f.frame, f.idx, f.model_version, f.score, f.bbox, f.embedding
		FROM faces f JOIN assets a ON a.key = f.asset
		WHERE f.embedding IS NOT NULL`
	var args []any
	if modelVersion != "" {
		stmt += ` AND f.model_version = $1`
		args = append(args, modelVersion)
	}
	r, err := s.b.query(ctx, stmt, args...)
	if err != nil {
		return s.fail("read faces", err)
	}
	defer r.Close()
	for r.Next() {
		var (
			row   FaceRow
			score float64
			bbox  string
			emb   []byte
		)
		if err := r.Scan(&row.AssetKey, &row.Path, &row.Frame, &row.Index, &row.ModelVersion, &score, &bbox, &emb); err != nil {
			return s.fail("read faces", err)
		}
		row.Score = float32(score)
		if err := decodeJSON(bbox, &row.BBox); err != nil {
			return s.fail(fmt.Sprintf("read face %d of %s frame %d bbox", row.Index, row.Path, row.Frame), err)
		}
		if row.Embedding, err = decodeEmbedding(emb); err != nil {
			return s.fail(fmt.Sprintf("read face %d of %s frame %d", row.Index, row.Path, row.Frame), err)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := r.Err(); err != nil {
		return s.fail("read faces", err)
	}
	return nil
}
