package main

import (
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/inference/facesearch"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// TestFacesSimilar: the face most similar to the astronaut's is her own face in the mirrored,
// rescaled copy, whether the query photo is in the store or not.
func TestFacesSimilar(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	astro := e.addSample("astronaut.png", "astronaut.png")
	e.addSample("messi5.jpg", "messi5.jpg")
	copyPath := filepath.Join(e.lib, "astronaut-mirrored.jpg")
	testenv.MirrorScaled(t, astro, copyPath)
	e.must("enqueue", "--catalog", "dir:"+e.lib, "--kinds", "faces")
	e.must("worker", "--until-empty", "--queues", "faces=2")

	type doc struct {
		Matches []facesearch.Match `json:"matches"`
	}
	var d doc
	e.json(&d, "faces", "similar", astro, "--top", "3")
	require.NotEmpty(t, d.Matches)
	require.Equal(t, copyPath, d.Matches[0].Path)
	for _, m := range d.Matches[1:] {
		require.Less(t, m.Score, d.Matches[0].Score)
	}

	outside := filepath.Join(t.TempDir(), "query.jpg")
	testenv.MirrorScaled(t, astro, outside)
	var d2 doc
	e.json(&d2, "faces", "similar", outside, "--top", "1")
	require.Len(t, d2.Matches, 1)
	require.Contains(t, []string{astro, copyPath}, d2.Matches[0].Path)
}

// TestFaceCropsSaved: with faces.save_crops each face's aligned 112x112 crop is written under
// the data dir and recorded with the face.
func TestFaceCropsSaved(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	astro := e.addSample("astronaut.png", "astronaut.png")
	cfg := writeConfig(t, "faces: {save_crops: true}\n")
	e.must("--config", cfg, "enqueue", "--catalog", "dir:"+e.lib, "--kinds", "faces")
	e.must("--config", cfg, "worker", "--until-empty", "--queues", "faces=1")
	var d struct {
		Faces []struct {
			CropPath string `json:"crop_path"`
		} `json:"faces"`
	}
	e.json(&d, "show", astro)
	require.Len(t, d.Faces, 1)
	require.True(t, strings.HasPrefix(d.Faces[0].CropPath, e.dataDir), d.Faces[0].CropPath)
	f, err := os.Open(d.Faces[0].CropPath)
	require.NoError(t, err)
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 112, 112), img.Bounds())
}

// TestChangedFaceSettingReenqueues: through the real store, after the faces of a library are
// stored, enqueue plans nothing again, nor after a change that only affects speed (threads,
// batching); a changed detection setting (min_face_px) plans every photo's faces again, and
// once a worker with that setting has stored them, nothing is planned under it.
func TestChangedFaceSettingReenqueues(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	e.addSample("astronaut.png", "astronaut.png")
	e.addSample("messi5.jpg", "messi5.jpg")
	enqueue := func(args ...string) enqueueSummary {
		var s enqueueSummary
		e.json(&s, append(args, "enqueue", "--catalog", "dir:"+e.lib, "--kinds", "faces")...)
		return s
	}
	s := enqueue()
	require.Equal(t, 2, s.Enqueued)
	e.must("worker", "--until-empty", "--queues", "faces=1")
	s = enqueue()
	require.Zero(t, s.Enqueued, "unchanged settings plan nothing")
	require.Equal(t, 2, s.AlreadyDone)

	speed := writeConfig(t, "faces: {threads: 2, batch_max: 4, batch_wait: 1ms}\n")
	s = enqueue("--config", speed)
	require.Zero(t, s.Enqueued, "threads and batching change no result")
	require.Equal(t, 2, s.AlreadyDone)

	changed := writeConfig(t, "faces: {min_face_px: 96}\n")
	s = enqueue("--config", changed)
	require.Equal(t, 2, s.Enqueued, "a changed detection setting plans every photo's faces again")
	require.Zero(t, s.AlreadyDone)
	e.must("--config", changed, "worker", "--until-empty", "--queues", "faces=1")
	s = enqueue("--config", changed)
	require.Zero(t, s.Enqueued)
	require.Equal(t, 2, s.AlreadyDone)
}
