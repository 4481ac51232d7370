package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVideoFramesRunOnAnotherWorker: one worker (its own data dir) only cuts keyframes; its data
// dir is then deleted, as if it were on another machine; a second worker with another data dir
// only runs faces and captions. Every frame of the video gets its face scan and its caption,
// on one shared store.
func TestVideoFramesRunOnAnotherWorker(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	fake := &fakeVLM{}
	vlm := httptest.NewServer(fake)
	t.Cleanup(vlm.Close)
	e.extra = []string{"MEDIAFLEET_CAPTION_BACKEND=openai", "MEDIAFLEET_CAPTION_URL=" + vlm.URL,
		"MEDIAFLEET_CAPTION_MODEL=test-vlm", "MEDIAFLEET_STORE=" + filepath.Join(t.TempDir(), "results.db"),
		"MEDIAFLEET_MEDIA_ROOTS=" + e.lib}
	video := e.addSample("Megamind.avi", "Megamind.avi")
	var s enqueueSummary
	e.json(&s, "enqueue", "--catalog", "dir:"+e.lib)
	require.Equal(t, 1, s.Enqueued)

	cutter, runner := filepath.Join(t.TempDir(), "cutter"), filepath.Join(t.TempDir(), "runner")
	base := e.extra
	e.extra = append(base, "MEDIAFLEET_DATA_DIR="+cutter)
	e.must("worker", "--until-empty", "--queues", "keyframes=1")
	require.NoError(t, os.RemoveAll(cutter), "nothing of the first worker's disk is left")

	e.extra = append(base, "MEDIAFLEET_DATA_DIR="+runner)
	e.must("worker", "--until-empty", "--queues", "faces=2,captions=2")

	var d struct {
		Keyframes []struct {
			Index int    `json:"index"`
			Path  string `json:"path"`
		} `json:"keyframes"`
		FaceScans []struct {
			Frame int `json:"frame"`
		} `json:"face_scans"`
		Captions []struct {
			Frame int    `json:"frame"`
			Text  string `json:"text"`
		} `json:"captions"`
	}
	e.json(&d, "show", video)
	require.GreaterOrEqual(t, len(d.Keyframes), 3)
	var frames, scanned, captioned []int
	for _, k := range d.Keyframes {
		frames = append(frames, k.Index)
		require.NoFileExists(t, k.Path, "the frames were cut on the other worker's disk")
	}
	for _, f := range d.FaceScans {
		scanned = append(scanned, f.Frame)
	}
	for _, c := range d.Captions {
		captioned = append(captioned, c.Frame)
		require.Equal(t, "A person in a photo.", c.Text)
	}
	require.Equal(t, frames, scanned, "every frame's faces are stored")
	require.Equal(t, frames, captioned, "every frame's caption is stored")
	entries, err := os.ReadDir(filepath.Join(runner, "frames"))
	if err == nil {
		require.Empty(t, entries, "the frame copies are gone after their tasks")
	}
}
