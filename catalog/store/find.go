package store

import (
	"context"
	"errors"
)

// ShowFirst is [Store.Show] of the first of paths the store knows (a file can be known by the
// path given, its absolute form or its mapped catalog path), or an error matching
// [ErrNotFound] when it knows none. Any other failure is returned at once.
func ShowFirst(ctx context.Context, st Store, paths []string) (*AssetView, error) {
	for _, p := range paths {
		v, err := st.Show(ctx, p)
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	return nil, ErrNotFound
}
