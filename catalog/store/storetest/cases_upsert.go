package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
)

func testUpsertReplacesFaces(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := put(t, s, newAsset("/photos/family.jpg", "image"))
	r := store.FacesResult{AssetKey: a.Key, ModelVersion: "fr-v1", Image: a.Path, Width: 640, Height: 480, Faces: newFaces(3, 8)}
	require.NoError(t, s.PutFaces(ctx, r))
	require.NoError(t, s.PutFaces(ctx, r), "the same result twice")
	v, err := s.Show(ctx, a.Path)
	require.NoError(t, err)
	require.Len(t, v.Faces, 3, "a result put twice is stored once")
	require.Len(t, v.FaceScans, 1)
	require.Equal(t, 3, v.FaceScans[0].Count)

	r.Faces = newFaces(1, 8)
	r.Width = 800
	require.NoError(t, s.PutFaces(ctx, r))
	v, err = s.Show(ctx, a.Path)
	require.NoError(t, err)
	require.Len(t, v.Faces, 1, "faces of the earlier run are gone")
	requireSameBits(t, r.Faces[0].Embedding, v.Faces[0].Embedding, "the new face's embedding")
	require.Equal(t, []store.FaceScan{{Frame: 0, ModelVersion: "fr-v1", Image: a.Path, Width: 800, Height: r.Height, Count: 1}}, v.FaceScans)

	// Another model version of the same frame is a separate result, untouched by the first.
	require.NoError(t, s.PutFaces(ctx, store.FacesResult{AssetKey: a.Key, ModelVersion: "fr-v2", Image: a.Path, Faces: newFaces(2, 4)}))
	require.NoError(t, s.PutFaces(ctx, r))
	v, err = s.Show(ctx, a.Path)
	require.NoError(t, err)
	require.Len(t, v.Faces, 3)
	require.Len(t, v.FaceScans, 2)
}

func testUpsertReplacesKeyframes(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := newAsset("/videos/holiday.mp4", "video")
	frames := []store.Keyframe{
		{Index: 1, Timestamp: 0, Path: "/d/k1.jpg", Width: 720, Height: 528},
		{Index: 2, Timestamp: 2.5, Path: "/d/k2.jpg", Width: 720, Height: 528},
		{Index: 3, Timestamp: 7.75, Path: "/d/k3.jpg", Width: 720, Height: 528},
	}
	r := store.KeyframesResult{Asset: a, ModelVersion: "kf-v1", Video: store.VideoInfo{DurationSec: 11.26, FPS: 23.976, Width: 720, Height: 528}, Frames: frames}
	require.NoError(t, s.PutKeyframes(ctx, r))
	require.NoError(t, s.PutKeyframes(ctx, r))
	v, err := s.Show(ctx, a.Path)
	require.NoError(t, err)
	require.Equal(t, frames, v.Keyframes)
	require.Equal(t, &r.Video, v.Video)

	r.Frames = frames[1:2]
	r.Video.DurationSec = 12
	require.NoError(t, s.PutKeyframes(ctx, r))
	v, err = s.Show(ctx, a.Path)
	require.NoError(t, err)
	require.Equal(t, frames[1:2], v.Keyframes, "keyframes of the earlier run are gone")
	require.InDelta(t, 12.0, v.Video.DurationSec, 0)

	r.Frames = nil
	require.NoError(t, s.PutKeyframes(ctx, r))
	v, err = s.Show(ctx, a.Path)
	require.NoError(t, err)
	require.Empty(t, v.Keyframes)
	done, err := s.Done(ctx, "keyframes", "kf-v1", []string{a.Key})
	require.NoError(t, err)
	require.True(t, done[a.Key], "a video with no keyframes is done too")
}

func testUpsertReplacesCaption(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := put(t, s, newAsset("/photos/beach.png", "image"))
	c := store.CaptionResult{AssetKey: a.Key, ModelVersion: "cap-v1", Text: "a beach", Model: "m", Prompt: "p",
		Backend: "openai", Latency: 1234567891 * time.Nanosecond}
	require.NoError(t, s.PutCaption(ctx, c))
	c.Text = "a sandy beach at dusk"
	c.Latency = 3 * time.Second
	require.NoError(t, s.PutCaption(ctx, c))
	v, err := s.Show(ctx, a.Path)
	require.NoError(t, err)
	require.Equal(t, []store.CaptionResult{c}, v.Captions)
}

func testUpsertAssetRefreshes(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := put(t, s, newAsset("/photos/old-name.jpg", "image"))
	a.Path = "/photos/new-name.jpg"
	a.Size = 99
	a.ModTime = time.Time{}
	put(t, s, a)
	_, err := s.Show(ctx, "/photos/old-name.jpg")
	require.ErrorIs(t, err, store.ErrNotFound, "the key now lives at the new path")
	v, err := s.Show(ctx, a.Path)
	require.NoError(t, err)
	require.Equal(t, a, v.Asset)
}

func testZeroFaces(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := put(t, s, newAsset("/photos/landscape.jpg", "image"))
	done, err := s.Done(ctx, "faces", "fr-v1", []string{a.Key})
	require.NoError(t, err)
	require.False(t, done[a.Key], "nothing put yet")

	require.NoError(t, s.PutFaces(ctx, store.FacesResult{AssetKey: a.Key, ModelVersion: "fr-v1", Image: a.Path, Faces: newFaces(2, 4)}))
	require.NoError(t, s.PutFaces(ctx, store.FacesResult{AssetKey: a.Key, ModelVersion: "fr-v1", Image: a.Path}))
	done, err = s.Done(ctx, "faces", "fr-v1", []string{a.Key})
	require.NoError(t, err)
	require.True(t, done[a.Key], "zero faces is a result")
	v, err := s.Show(ctx, a.Path)
	require.NoError(t, err)
	require.Empty(t, v.Faces)
	require.Equal(t, []store.FaceScan{{Frame: 0, ModelVersion: "fr-v1", Image: a.Path, Count: 0}}, v.FaceScans)
	n := 0
	require.NoError(t, s.EachFace(ctx, "", func(store.FaceRow) error { n++; return nil }))
	require.Zero(t, n)
}

// fakeJPEG is bytes that start as a JPEG does, distinct per seed.
func fakeJPEG(seed byte, n int) []byte {
	b := make([]byte, n)
	b[0], b[1], b[2] = 0xff, 0xd8, 0xff
	for i := 3; i < n; i++ {
		b[i] = seed ^ byte(i*7)
	}
	return b
}

// testFrameImages: the keyframes' JPEGs are stored with them and read back byte for byte by
// any reader; a later run replaces them; Show leaves them out; a frame without one is
// ErrNotFound; an image that is not a JPEG is refused.
func testFrameImages(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := newAsset("/videos/party.mp4", "video")
	frames := []store.Keyframe{
		{Index: 1, Timestamp: 0, Path: "/elsewhere/k1.jpg", Width: 720, Height: 528, JPEG: fakeJPEG(1, 200_000)},
		{Index: 2, Timestamp: 4.2, Path: "/elsewhere/k2.jpg", Width: 720, Height: 528, JPEG: fakeJPEG(2, 50_000)},
		{Index: 3, Timestamp: 8.1, Path: "/elsewhere/k3.jpg", Width: 720, Height: 528},
	}
	r := store.KeyframesResult{Asset: a, ModelVersion: "kf-v1", Video: store.VideoInfo{DurationSec: 11, FPS: 25, Width: 720, Height: 528}, Frames: frames}
	require.NoError(t, s.PutKeyframes(ctx, r))
	for _, f := range frames[:2] {
		got, err := s.FrameJPEG(ctx, a.Key, f.Index)
		require.NoError(t, err)
		require.Equal(t, f.JPEG, got, "frame %d", f.Index)
	}
	_, err := s.FrameJPEG(ctx, a.Key, 3)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.FrameJPEG(ctx, "nokey", 1)
	require.ErrorIs(t, err, store.ErrNotFound)
	v, err := s.Show(ctx, a.Path)
	require.NoError(t, err)
	for _, k := range v.Keyframes {
		require.Nil(t, k.JPEG, "Show does not carry the images")
	}

	r.Frames = []store.Keyframe{{Index: 1, Path: "/elsewhere/k1.jpg", Width: 720, Height: 528, JPEG: fakeJPEG(9, 1000)}}
	require.NoError(t, s.PutKeyframes(ctx, r))
	got, err := s.FrameJPEG(ctx, a.Key, 1)
	require.NoError(t, err)
	require.Equal(t, fakeJPEG(9, 1000), got, "the later run's image")
	_, err = s.FrameJPEG(ctx, a.Key, 2)
	require.ErrorIs(t, err, store.ErrNotFound, "gone with its keyframe")

	r.Frames = []store.Keyframe{{Index: 1, Path: "/x.jpg", JPEG: []byte("root:x:0:0")}}
	require.ErrorIs(t, s.PutKeyframes(ctx, r), store.ErrInvalid)
}
