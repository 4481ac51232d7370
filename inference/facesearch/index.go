package facesearch

import (
	"context"
	"errors"
	"sync"

	"github.com/mediafleet/mediafleet/catalog/store"
)

// DefaultIndexLimit is how many faces an Index keeps in memory by default: about 200 MiB of
// 512-value embeddings.
const DefaultIndexLimit = 100_000

// StampedSource is a Source that says when its faces changed; store.Store is one.
type StampedSource interface {
	Source
	// FacesStamp changes whenever the stored faces of the model version change.
	FacesStamp(ctx context.Context, modelVersion string) (string, error)
}

// Index keeps the stored faces of one model version in memory, so that repeated searches
// (a dashboard's pages) read the store once instead of on every search. Before each walk it
// asks the store whether the faces changed and reads them again when they did. A version with
// more faces than Limit is not kept: each walk then streams from the store. An Index is a
// Source; it is safe for concurrent use.
type Index struct {
	src StampedSource
	// Limit is the most faces kept in memory; 0 is DefaultIndexLimit.
	Limit int

	mu      sync.Mutex
	version string
	stamp   string
	rows    []store.FaceRow
	tooMany bool
}

// NewIndex returns an empty index over src.
func NewIndex(src StampedSource) *Index { return &Index{src: src} }

// EachFace calls fn for every face of the model version, from memory when the kept copy is
// current, reading it again first when the store's faces changed.
func (x *Index) EachFace(ctx context.Context, version string, fn func(store.FaceRow) error) error {
	rows, err := x.current(ctx, version)
	if err != nil {
		return err
	}
	if rows == nil {
		return x.src.EachFace(ctx, version, fn)
	}
	for _, r := range rows {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// current returns the kept faces of version, reading them when absent or stale; nil (and no
// error) when the version has more faces than the limit.
func (x *Index) current(ctx context.Context, version string) ([]store.FaceRow, error) {
	stamp, err := x.src.FacesStamp(ctx, version)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.version == version && x.stamp == stamp {
		if x.tooMany {
			return nil, nil
		}
		return x.rows, nil
	}
	limit := x.Limit
	if limit <= 0 {
		limit = DefaultIndexLimit
	}
	rows := []store.FaceRow{}
	tooMany := false
	err = x.src.EachFace(ctx, version, func(r store.FaceRow) error {
		if len(rows) == limit {
			tooMany = true
			return errStop
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	x.version, x.stamp, x.tooMany, x.rows = version, stamp, tooMany, rows
	if tooMany {
		x.rows = nil
		return nil, nil
	}
	return rows, nil
}

// errStop ends a walk of the store early.
var errStop = stopError{}

type stopError struct{}

func (stopError) Error() string { return "stop" }
