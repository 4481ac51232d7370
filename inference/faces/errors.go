package faces

import (
	"errors"
	"fmt"
)

// ErrPermanent marks an error that retrying cannot fix: the input itself is bad (corrupt,
// truncated, empty, too large, in a format without a decoder, or gone). Test for it with
// errors.Is or IsPermanent; every other error from this package may succeed on a retry.
var ErrPermanent = errors.New("permanent")

// The kinds of bad input; each wraps ErrPermanent.
var (
	// ErrUnsupportedFormat is an image in a format this package cannot decode (HEIC, TIFF, ...).
	ErrUnsupportedFormat = fmt.Errorf("unsupported image format (%w)", ErrPermanent)
	// ErrTooLarge is an image whose header declares more pixels than Config.MaxPixels.
	ErrTooLarge = fmt.Errorf("image too large (%w)", ErrPermanent)
	// ErrCorrupt is an empty, truncated or otherwise undecodable image file.
	ErrCorrupt = fmt.Errorf("corrupt image (%w)", ErrPermanent)
	// ErrNotFound is an image file that does not exist.
	ErrNotFound = fmt.Errorf("image file not found (%w)", ErrPermanent)
)

// IsPermanent reports whether err is bad input that a retry cannot fix.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// ImageError is a problem with one image file: which file, what is wrong with it, and the
// kind (one of the Err* values above) that errors.Is matches.
type ImageError struct {
	Path    string // the file
	Problem string // what is wrong, for a person
	Kind    error  // ErrUnsupportedFormat, ErrTooLarge, ErrCorrupt or ErrNotFound
	Err     error  // the underlying error, if any
}

// Error reads "image PATH: PROBLEM[: CAUSE]".
func (e *ImageError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("image %s: %s: %v", e.Path, e.Problem, e.Err)
	}
	return fmt.Sprintf("image %s: %s", e.Path, e.Problem)
}

// Unwrap lets errors.Is see both the kind (and so ErrPermanent) and the cause.
func (e *ImageError) Unwrap() []error {
	errs := []error{e.Kind}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func imageError(path string, kind error, err error, format string, args ...any) error {
	return &ImageError{Path: path, Problem: fmt.Sprintf(format, args...), Kind: kind, Err: err}
}
