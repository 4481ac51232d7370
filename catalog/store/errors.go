package store

import "errors"

// ErrNotFound is returned by Show when the store has no asset at that path.
var ErrNotFound = errors.New("not in the store")
