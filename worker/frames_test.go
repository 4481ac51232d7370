package worker

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/tasks"
)

// bytesRecorder is a FaceFinder that finds no face and keeps what each file it read held.
type bytesRecorder struct {
	paths []string
	data  [][]byte
}

func (r *bytesRecorder) ProcessFile(_ context.Context, path string) (*faces.Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r.paths, r.data = append(r.paths, path), append(r.data, b)
	return &faces.Result{Width: 1, Height: 1}, nil
}

// TestFrameFromStoreOnAnotherWorker: a faces task of a video frame cut by another worker (its
// image path is on that worker's disk) reads the frame's JPEG from the store, through a copy
// under this worker's data dir that is gone after the task; a frame the store does not hold
// and whose file is not readable here is archived with what to do.
func TestFrameFromStoreOnAnotherWorker(t *testing.T) {
	t.Parallel()
	root, data, elsewhere := t.TempDir(), t.TempDir(), "/other-machine/data/keyframes"
	video := filepath.Join(root, "trip.mp4")
	key := tasks.AssetKey("", video, 1, 1)
	st := storetest.SQLite(t)
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0}, []byte("frame two of the trip")...)
	require.NoError(t, st.PutKeyframes(context.Background(), store.KeyframesResult{
		Asset:        store.Asset{Key: key, Path: video, Media: "video"},
		ModelVersion: "kf1", Video: store.VideoInfo{DurationSec: 9, FPS: 25, Width: 4, Height: 4},
		Frames: []store.Keyframe{{Index: 2, Timestamp: 4, Path: elsewhere + "/0002.jpg", Width: 4, Height: 4, JPEG: jpeg}},
	}))
	rec := &bytesRecorder{}
	h := &FacesHandler{Faces: rec, Store: st, Roots: Roots{root}, DataDir: data}
	run := func(frame int) error {
		return h.Handle(context.Background(), &tasks.FacesPayload{FrameRef: tasks.FrameRef{
			Asset: tasks.AssetRef{Key: key, Path: video}, Frame: frame,
			Image: filepath.Join(elsewhere, "0002.jpg"), ModelVersion: "fr1"}})
	}
	require.NoError(t, run(2))
	require.Equal(t, [][]byte{jpeg}, rec.data)
	require.True(t, filepath.IsAbs(rec.paths[0]) && Roots{data}.Check(rec.paths[0]) == nil, "read from a copy under the data dir: %s", rec.paths[0])
	_, err := os.Stat(rec.paths[0])
	require.True(t, os.IsNotExist(err), "the copy is removed after the task")
	v, err := st.Show(context.Background(), video)
	require.NoError(t, err)
	require.Len(t, v.FaceScans, 1, "the frame's result is stored")

	err = run(3)
	var pe *PermanentError
	require.ErrorAs(t, err, &pe)
	require.Contains(t, err.Error(), "run its keyframes task again")
}
