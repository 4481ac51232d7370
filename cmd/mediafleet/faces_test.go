package main

import (
	"image"
	"image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/draw"
)

// mirrorScaled writes src flipped left-right and scaled by 3/4 as a JPEG at dst.
func mirrorScaled(t *testing.T, src, dst string) {
	f, err := os.Open(src)
	require.NoError(t, err)
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(t, err)
	b := img.Bounds()
	flipped := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			flipped.Set(b.Max.X-1-(x-b.Min.X), y, img.At(x, y))
		}
	}
	small := image.NewRGBA(image.Rect(0, 0, b.Dx()*3/4, b.Dy()*3/4))
	draw.CatmullRom.Scale(small, small.Bounds(), flipped, b, draw.Src, nil)
	out, err := os.Create(dst)
	require.NoError(t, err)
	require.NoError(t, jpeg.Encode(out, small, &jpeg.Options{Quality: 85}))
	require.NoError(t, out.Close())
}

// TestFacesSimilar: the face most similar to the astronaut's is her own face in the mirrored,
// rescaled copy, whether the query photo is in the store or not.
func TestFacesSimilar(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	astro := e.addSample("astronaut.png", "astronaut.png")
	e.addSample("messi5.jpg", "messi5.jpg")
	copyPath := filepath.Join(e.lib, "astronaut-mirrored.jpg")
	mirrorScaled(t, astro, copyPath)
	e.must("enqueue", "--catalog", "dir:"+e.lib, "--kinds", "faces")
	e.must("worker", "--until-empty", "--queues", "faces=2")

	type doc struct {
		Matches []faceMatch `json:"matches"`
	}
	var d doc
	e.json(&d, "faces", "similar", astro, "--top", "3")
	require.NotEmpty(t, d.Matches)
	require.Equal(t, copyPath, d.Matches[0].Path)
	for _, m := range d.Matches[1:] {
		require.Less(t, m.Score, d.Matches[0].Score)
	}

	outside := filepath.Join(t.TempDir(), "query.jpg")
	mirrorScaled(t, astro, outside)
	var d2 doc
	e.json(&d2, "faces", "similar", outside, "--top", "1")
	require.Len(t, d2.Matches, 1)
	require.Contains(t, []string{astro, copyPath}, d2.Matches[0].Path)
}

// TestFaceCropsSaved: with faces.save_crops each face's aligned 112x112 crop is written under
// the data dir and recorded with the face.
func TestFaceCropsSaved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
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
