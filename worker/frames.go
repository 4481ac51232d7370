package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/tasks"
)

// frameFile returns the file a faces or captions task reads, and what to call when the task is
// done with it. Any worker can run the task of a video frame: the frame's image is the file
// under this worker's data dir when this worker cut it, else the JPEG the keyframes task kept in
// the store, copied into the data dir for the task and removed after it.
//
// It refuses a task that would read a file it may not: the original outside the media roots;
// for a photo (frame 0) an image other than the photo itself; for a keyframe that the store
// does not hold, an image outside both the media roots and the data dir. Paths are compared
// after resolving symbolic links. With no media roots every path is allowed (the worker warns
// at start).
func frameFile(ctx context.Context, roots Roots, dataDir string, st store.Store, f *tasks.FrameRef) (string, func(), error) {
	nothing := func() {}
	if err := roots.Check(f.Asset.Path); err != nil {
		return "", nothing, err
	}
	if f.Frame == 0 {
		if filepath.Clean(f.Image) != filepath.Clean(f.Asset.Path) {
			return "", nothing, Permanent(fmt.Errorf("%s: the task names another file to read (%s) than the photo itself", f.Asset.Path, f.Image))
		}
		return f.Image, nothing, nil
	}
	if dataDir != "" && (Roots{dataDir}).Check(f.Image) == nil && regularFile(f.Image) {
		return f.Image, nothing, nil
	}
	b, err := st.FrameJPEG(ctx, f.Asset.Key, f.Frame)
	if err == nil {
		return copyFrame(dataDir, f, b)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", nothing, fmt.Errorf("reading frame %d of %s from the store: %w", f.Frame, f.Asset.Path, err)
	}
	// Keyframes stored before the store kept their images: only a file this worker may read.
	if len(roots) > 0 && roots.Check(f.Image) == nil && regularFile(f.Image) {
		return f.Image, nothing, nil
	}
	return "", nothing, Permanent(fmt.Errorf("frame %d of %s: the store holds no image of it and its file %s is not readable here (outside the media roots (%s) and this worker's data dir (%s), or gone): run its keyframes task again",
		f.Frame, f.Asset.Path, f.Image, strings.Join(roots, ":"), dataDir))
}

// regularFile tells whether path is a regular file (after symbolic links).
func regularFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// copyFrame writes a frame's JPEG under <dataDir>/frames for one task.
func copyFrame(dataDir string, f *tasks.FrameRef, b []byte) (string, func(), error) {
	dir, err := derivedPath(dataDir, "frames", f.Asset.Key)
	if err != nil {
		return "", func() {}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", func() {}, fmt.Errorf("frame %d of %s: %w", f.Frame, f.Asset.Path, err)
	}
	tmp, err := os.CreateTemp(dir, fmt.Sprintf("%04d-*.jpg", f.Frame))
	if err != nil {
		return "", func() {}, fmt.Errorf("frame %d of %s: %w", f.Frame, f.Asset.Path, err)
	}
	done := func() {
		_ = os.Remove(tmp.Name())
		_ = os.Remove(dir) // only when empty: another task may use it
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		done()
		return "", func() {}, fmt.Errorf("frame %d of %s: %w", f.Frame, f.Asset.Path, err)
	}
	if err := tmp.Close(); err != nil {
		done()
		return "", func() {}, fmt.Errorf("frame %d of %s: %w", f.Frame, f.Asset.Path, err)
	}
	return tmp.Name(), done, nil
}
