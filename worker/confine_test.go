package worker

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/tasks"
)

// readRecorder is a FaceFinder that finds no face and records what it was asked to read.
type readRecorder struct{ read []string }

func (r *readRecorder) ProcessFile(_ context.Context, path string) (*faces.Result, error) {
	r.read = append(r.read, path)
	return &faces.Result{Width: 1, Height: 1}, nil
}

// TestForgedFramePathsAreRefused: a faces task reads its photo, or a keyframe under the
// media roots or the data dir, and nothing else: a forged image path (another file for a
// photo, a file outside both for a keyframe, a symbolic link in the data dir that leads out)
// is archived with the reason, and the file is never opened.
func TestForgedFramePathsAreRefused(t *testing.T) {
	t.Parallel()
	root, data, outside := t.TempDir(), t.TempDir(), t.TempDir()
	photo := filepath.Join(root, "photo.jpg")
	secret := filepath.Join(outside, "secret.jpg")
	frame := filepath.Join(data, "keyframes", "k", "0001.jpg")
	link := filepath.Join(data, "keyframes", "k", "0002.jpg")
	for _, p := range []string{photo, secret, frame} {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
	}
	require.NoError(t, os.Symlink(secret, link))
	video := filepath.Join(root, "trip.mp4")
	key := tasks.AssetKey("", video, 1, 1)

	rec := &readRecorder{}
	h := &FacesHandler{Faces: rec, Store: storetest.SQLite(t), Roots: Roots{root}, DataDir: data}
	run := func(asset string, n int, image string) error {
		return h.Handle(context.Background(), &tasks.FacesPayload{FrameRef: tasks.FrameRef{
			Asset: tasks.AssetRef{Key: key, Path: asset}, Frame: n, Image: image, ModelVersion: "v1"}})
	}
	for name, err := range map[string]error{
		"photo naming another file": run(photo, 0, secret),
		"keyframe outside":          run(video, 1, secret),
		"keyframe linked outside":   run(video, 2, link),
		"asset outside":             run(secret, 0, secret),
	} {
		var pe *PermanentError
		require.ErrorAs(t, err, &pe, name)
	}
	require.Empty(t, rec.read, "no refused file was read")

	require.NoError(t, run(photo, 0, photo))
	require.NoError(t, run(video, 1, frame))
	require.Equal(t, []string{photo, frame}, rec.read)
}
