package store

import "errors"

// ErrNotFound is returned by Show when the store has no asset at that path.
var ErrNotFound = errors.New("not in the store")

// ErrInvalid marks a result the store refuses as it stands (no asset key, no model version,
// two faces with one index, an embedding whose length is not its dim). Writing it again
// fails the same way: the error is permanent.
var ErrInvalid = errors.New("invalid result")

// ErrUnknownAsset is returned by PutFaces and PutCaption when the asset key was never
// recorded with UpsertAsset (or PutKeyframes). Retrying does not help: the error is permanent.
var ErrUnknownAsset = errors.New("asset not recorded in the store")

// ErrUnknownKind is returned by Done for a kind other than "keyframes", "faces" or "captions".
var ErrUnknownKind = errors.New("unknown result kind")

// IsPermanent reports whether a store error cannot be fixed by retrying (ErrInvalid,
// ErrUnknownAsset); other errors, a busy or absent database, are transient.
func IsPermanent(err error) bool {
	return errors.Is(err, ErrInvalid) || errors.Is(err, ErrUnknownAsset)
}
