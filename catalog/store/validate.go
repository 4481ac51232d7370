package store

import (
	"fmt"
	"strings"
)

// validateAsset refuses an asset without a key or a path.
func validateAsset(a Asset) error {
	switch {
	case strings.TrimSpace(a.Key) == "":
		return fmt.Errorf("%w: asset %q has no key", ErrInvalid, a.Path)
	case a.Path == "":
		return fmt.Errorf("%w: asset %s has no path", ErrInvalid, a.Key)
	}
	return nil
}

// validateKeyframes refuses a keyframes result without an asset or a model version, or with
// two frames of one index.
func validateKeyframes(r KeyframesResult) error {
	if err := validateAsset(r.Asset); err != nil {
		return err
	}
	if strings.TrimSpace(r.ModelVersion) == "" {
		return fmt.Errorf("%w: keyframes of %s have no model version", ErrInvalid, r.Asset.Path)
	}
	seen := make(map[int]bool, len(r.Frames))
	for _, f := range r.Frames {
		if seen[f.Index] {
			return fmt.Errorf("%w: keyframes of %s: index %d given twice", ErrInvalid, r.Asset.Path, f.Index)
		}
		seen[f.Index] = true
		if len(f.JPEG) > 0 && (len(f.JPEG) < 3 || f.JPEG[0] != 0xff || f.JPEG[1] != 0xd8 || f.JPEG[2] != 0xff) {
			return fmt.Errorf("%w: keyframe %d of %s: its image is not a JPEG", ErrInvalid, f.Index, r.Asset.Path)
		}
	}
	return nil
}

// validateFrame refuses a per-frame result without an asset key or a model version, or with
// a negative frame.
func validateFrame(kind, assetKey string, frame int, modelVersion string) error {
	switch {
	case strings.TrimSpace(assetKey) == "":
		return fmt.Errorf("%w: %s result has no asset key", ErrInvalid, kind)
	case strings.TrimSpace(modelVersion) == "":
		return fmt.Errorf("%w: %s of asset %s frame %d has no model version", ErrInvalid, kind, assetKey, frame)
	case frame < 0:
		return fmt.Errorf("%w: %s of asset %s: frame %d is negative", ErrInvalid, kind, assetKey, frame)
	}
	return nil
}
