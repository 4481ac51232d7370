package storetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
)

func testDoneByKindAndVersion(t *testing.T, s store.Store) {
	ctx := t.Context()
	video := newAsset("/v/a.mp4", "video")
	require.NoError(t, s.PutKeyframes(ctx, store.KeyframesResult{Asset: video, ModelVersion: "kf-v1",
		Frames: []store.Keyframe{{Index: 1, Path: "/d/1.jpg"}}}))
	// Faces and a caption of a keyframe (frame 1) do not make the video's frame 0 done.
	require.NoError(t, s.PutFaces(ctx, store.FacesResult{AssetKey: video.Key, Frame: 1, ModelVersion: "fr-v1", Image: "/d/1.jpg"}))
	require.NoError(t, s.PutCaption(ctx, store.CaptionResult{AssetKey: video.Key, Frame: 1, ModelVersion: "cap-v1", Text: "x"}))
	photo := put(t, s, newAsset("/p/b.jpg", "image"))
	require.NoError(t, s.PutFaces(ctx, store.FacesResult{AssetKey: photo.Key, ModelVersion: "fr-v1", Image: photo.Path, Faces: newFaces(1, 4)}))
	captioned := put(t, s, newAsset("/p/c.jpg", "image"))
	require.NoError(t, s.PutCaption(ctx, store.CaptionResult{AssetKey: captioned.Key, ModelVersion: "cap-v1", Text: "a cat"}))
	bare := put(t, s, newAsset("/p/d.jpg", "image"))
	keys := []string{video.Key, photo.Key, captioned.Key, bare.Key, "never-seen"}

	for _, c := range []struct {
		kind, version string
		want          []string
	}{
		{"keyframes", "kf-v1", []string{video.Key}},
		{"keyframes", "kf-v2", nil},
		{"faces", "fr-v1", []string{photo.Key}},
		{"faces", "fr-v2", nil},
		{"faces", "kf-v1", nil},
		{"captions", "cap-v1", []string{captioned.Key}},
		{"captions", "cap-v0", nil},
	} {
		done, err := s.Done(ctx, c.kind, c.version, keys)
		require.NoError(t, err, "%s %s", c.kind, c.version)
		var got []string
		for _, k := range keys {
			if done[k] {
				got = append(got, k)
			}
		}
		require.Equal(t, c.want, got, "done %s %s", c.kind, c.version)
		require.Len(t, done, len(c.want), "only keys with a result are in the map")
	}
	_, err := s.Done(ctx, "thumbnails", "v1", keys)
	require.ErrorIs(t, err, store.ErrUnknownKind)
	done, err := s.Done(ctx, "faces", "fr-v1", nil)
	require.NoError(t, err)
	require.Empty(t, done)
}

func testDoneManyKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	// More keys than one query asks about, with results spread over every chunk, and
	// duplicates in the request.
	const n = 1234
	keys := make([]string, 0, n+10)
	want := map[string]bool{}
	for i := range n {
		a := newAsset(fmt.Sprintf("/p/%05d.jpg", i), "image")
		keys = append(keys, a.Key)
		if i%7 == 0 {
			put(t, s, a)
			require.NoError(t, s.PutCaption(ctx, store.CaptionResult{AssetKey: a.Key, ModelVersion: "cap-v1", Text: "t"}))
			want[a.Key] = true
		}
	}
	keys = append(keys, keys[:10]...)
	done, err := s.Done(ctx, "captions", "cap-v1", keys)
	require.NoError(t, err)
	require.Equal(t, want, done)
}
