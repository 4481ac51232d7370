package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
)

func testShowEverything(t *testing.T, s store.Store) {
	for _, path := range []string{
		"/照片/2024 家庭/春节 聚会.mp4",
		`E:/01_INCOMING\Jane\IMG 0001 (copy).MP4`,
		`C:\Users\Zoë\Videos\d'été.mov`,
	} {
		t.Run("", func(t *testing.T) { showEverything(t, s, path) })
	}
}

func showEverything(t *testing.T, s store.Store, path string) {
	ctx := t.Context()
	a := newAsset(path, "video")
	kr := store.KeyframesResult{Asset: a, ModelVersion: "kf-v1",
		Video: store.VideoInfo{DurationSec: 79.5, FPS: 10, Width: 768, Height: 576},
		Frames: []store.Keyframe{
			{Index: 1, Timestamp: 0, Path: "/derived/" + a.Key + "/1.jpg", Width: 768, Height: 576},
			{Index: 2, Timestamp: 19.9, Path: "/derived/" + a.Key + "/2.jpg", Width: 768, Height: 576},
		}}
	require.NoError(t, s.PutKeyframes(ctx, kr))
	f1 := store.FacesResult{AssetKey: a.Key, Frame: 1, ModelVersion: "fr-v1", Image: kr.Frames[0].Path, Width: 768, Height: 576, Faces: newFaces(2, 512)}
	f2 := store.FacesResult{AssetKey: a.Key, Frame: 2, ModelVersion: "fr-v1", Image: kr.Frames[1].Path, Width: 768, Height: 576, Faces: newFaces(1, 512)}
	require.NoError(t, s.PutFaces(ctx, f2))
	require.NoError(t, s.PutFaces(ctx, f1))
	c1 := store.CaptionResult{AssetKey: a.Key, Frame: 1, ModelVersion: "cap-v1", Text: "两个人在公园里散步 — two people walk", Model: "qwen2.5-vl", Prompt: "Describe.", Backend: "openai", Latency: 2500 * time.Millisecond}
	c2 := store.CaptionResult{AssetKey: a.Key, Frame: 2, ModelVersion: "cap-v1", Text: "an empty street", Backend: "vlmcaption", Latency: time.Second / 3}
	require.NoError(t, s.PutCaption(ctx, c2))
	require.NoError(t, s.PutCaption(ctx, c1))

	v, err := s.Show(ctx, path)
	require.NoError(t, err)
	require.Equal(t, a.Key, v.Key)
	require.Equal(t, path, v.Path)
	require.Equal(t, a.SHA256, v.SHA256)
	require.Equal(t, a.Mime, v.Mime)
	require.Equal(t, a.Media, v.Media)
	require.Equal(t, a.Size, v.Size)
	require.True(t, a.ModTime.Equal(v.ModTime), "mtime %v, want %v", v.ModTime, a.ModTime)
	require.Equal(t, &kr.Video, v.Video)
	require.Equal(t, kr.Frames, v.Keyframes)
	require.Equal(t, []store.FaceScan{
		{Frame: 1, ModelVersion: "fr-v1", Image: f1.Image, Width: 768, Height: 576, Count: 2},
		{Frame: 2, ModelVersion: "fr-v1", Image: f2.Image, Width: 768, Height: 576, Count: 1},
	}, v.FaceScans)
	require.Len(t, v.Faces, 3)
	want := []struct {
		r store.FacesResult
		f store.Face
	}{{f1, f1.Faces[0]}, {f1, f1.Faces[1]}, {f2, f2.Faces[0]}}
	for i, w := range want {
		got := v.Faces[i]
		require.Equal(t, w.r.Frame, got.Frame)
		require.Equal(t, "fr-v1", got.ModelVersion)
		require.Equal(t, w.r.Image, got.Image)
		require.Equal(t, w.f.Index, got.Index)
		require.Equal(t, w.f.BBox, got.BBox)
		require.Equal(t, w.f.Score, got.Score)
		require.Equal(t, w.f.Landmarks, got.Landmarks)
		require.Equal(t, 512, got.Dim)
		require.Equal(t, w.f.CropPath, got.CropPath)
		requireSameBits(t, w.f.Embedding, got.Embedding, "embedding in Show")
	}
	require.Equal(t, []store.CaptionResult{c1, c2}, v.Captions)
}

func testShowNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.Show(ctx, "/nowhere.jpg")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.Contains(t, err.Error(), "/nowhere.jpg")
	put(t, s, newAsset(`E:/01_INCOMING\Jane\x.jpg`, "image"))
	for _, near := range []string{`E:/01_INCOMING/Jane/x.jpg`, `e:/01_incoming\jane\x.jpg`, `E:/01_INCOMING\Jane\x.jpg `, `E:/01_INCOMING\Jane`} {
		_, err = s.Show(ctx, near)
		require.ErrorIs(t, err, store.ErrNotFound, "%q is not the stored path", near)
	}
	_, err = s.Show(ctx, `E:/01_INCOMING\Jane\x.jpg`)
	require.NoError(t, err)
}

func testShowNewestKeyOfPath(t *testing.T, s store.Store) {
	ctx := t.Context()
	old := put(t, s, newAsset("/p/edited.jpg", "image"))
	require.NoError(t, s.PutCaption(ctx, store.CaptionResult{AssetKey: old.Key, ModelVersion: "cap-v1", Text: "before"}))
	// The file was edited: a new content hash, so a new key at the same path.
	edited := newAsset("/p/edited.jpg", "image")
	put(t, s, edited)
	v, err := s.Show(ctx, "/p/edited.jpg")
	require.NoError(t, err)
	require.Equal(t, edited.Key, v.Key, "the key recorded last")
	require.Empty(t, v.Captions, "the old key's caption is not the new file's")
}
