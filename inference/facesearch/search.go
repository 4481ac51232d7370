package facesearch

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/inference/faces"
)

// Source is where the stored faces come from; store.Store is one.
type Source interface {
	// EachFace calls fn for every stored face with an embedding of the model version.
	EachFace(ctx context.Context, modelVersion string, fn func(store.FaceRow) error) error
}

// Query is one face to search from.
type Query struct {
	// Stored names the face when the store holds it, so it is left out of its own matches;
	// nil for a face found in a file the store does not hold.
	Stored *store.FaceRef
	// Embedding is the face's L2-normalised embedding.
	Embedding []float32
}

// Match is one stored face similar to a query face; its JSON is the contract of
// `faces similar --json`.
type Match struct {
	// QueryFace is the index of the query face in the queries searched.
	QueryFace int        `json:"query_face"`
	AssetKey  string     `json:"asset_key"`
	Path      string     `json:"path"`
	Frame     int        `json:"frame"`
	Face      int        `json:"face"`
	Score     float32    `json:"score"`
	BBox      [4]float32 `json:"bbox"`
}

// ErrNoFace is returned when the file searched from holds no face.
var ErrNoFace = errors.New("no face found")

// Nearest returns, for each query in turn, its top stored faces of the model version, most
// similar first, in one pass over the store. A stored query face is never its own match.
func Nearest(ctx context.Context, src Source, version string, queries []Query, top int) ([]Match, error) {
	if top <= 0 || len(queries) == 0 {
		return []Match{}, nil
	}
	best := make([][]Match, len(queries))
	err := src.EachFace(ctx, version, func(r store.FaceRow) error {
		for qi, q := range queries {
			if s := q.Stored; s != nil && r.AssetKey == s.AssetKey && r.Frame == s.Frame && r.Index == s.Index {
				continue
			}
			m := Match{QueryFace: qi, AssetKey: r.AssetKey, Path: r.Path, Frame: r.Frame, Face: r.Index, BBox: r.BBox,
				Score: faces.Cosine(q.Embedding, r.Embedding)}
			best[qi] = keepTop(best[qi], m, top)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := []Match{}
	for _, b := range best {
		out = append(out, b...)
	}
	return out, nil
}

// keepTop inserts m into the list sorted by score, keeping the best n.
func keepTop(list []Match, m Match, n int) []Match {
	i := sort.Search(len(list), func(i int) bool { return list[i].Score < m.Score })
	if i >= n {
		return list
	}
	list = append(list, Match{})
	copy(list[i+1:], list[i:])
	list[i] = m
	if len(list) > n {
		list = list[:n]
	}
	return list
}

// StoredQueries returns the faces of one asset of the model version that carry an
// embedding, in frame and index order.
func StoredQueries(v *store.AssetView, version string) []Query {
	var qs []Query
	for _, f := range v.Faces {
		if f.ModelVersion != version || len(f.Embedding) == 0 {
			continue
		}
		qs = append(qs, Query{Stored: &store.FaceRef{AssetKey: v.Key, Frame: f.Frame, ModelVersion: f.ModelVersion, Index: f.Index},
			Embedding: f.Embedding})
	}
	return qs
}

// Finder finds and embeds the faces of one file; *faces.Pipeline is one.
type Finder interface {
	ProcessFile(ctx context.Context, path string) (*faces.Result, error)
}

// FileQueries finds the faces of a file with f, in the order f returns them; a file without
// a face is ErrNoFace.
func FileQueries(ctx context.Context, f Finder, path string) ([]Query, error) {
	res, err := f.ProcessFile(ctx, path)
	if err != nil {
		return nil, err
	}
	if len(res.Faces) == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrNoFace)
	}
	qs := make([]Query, len(res.Faces))
	for i, face := range res.Faces {
		qs[i] = Query{Embedding: face.Embedding}
	}
	return qs, nil
}

// Similar is what `faces similar` answers for a file: the nearest stored faces of each face
// the store holds for it (v, nil when the store does not hold the file), or, when it holds
// none of the version, of each face that find finds in the file at path.
func Similar(ctx context.Context, src Source, version string, v *store.AssetView, path string,
	find func(ctx context.Context, path string) ([]Query, error), top int) ([]Match, error) {
	var qs []Query
	if v != nil {
		qs = StoredQueries(v, version)
	}
	if len(qs) == 0 {
		var err error
		if qs, err = find(ctx, path); err != nil {
			return nil, err
		}
	}
	return Nearest(ctx, src, version, qs, top)
}
