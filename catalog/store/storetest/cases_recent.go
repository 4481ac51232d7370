package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
)

// testRecent: Recent lists the assets with results, the latest stored first, with their
// counts; an asset without results is not listed; match filters by path ignoring case and
// takes % and _ literally.
func testRecent(t *testing.T, s store.Store) {
	ctx := t.Context()
	none, err := s.Recent(ctx, "", 10)
	require.NoError(t, err)
	require.Empty(t, none)

	photo := put(t, s, newAsset("/Photos/2024/Beach_Day.JPG", "image"))
	put(t, s, newAsset("/photos/no results yet.jpg", "image"))
	other := put(t, s, newAsset("/photos/100% real.jpg", "image"))
	video := newAsset("/videos/Party.mp4", "video")
	require.NoError(t, s.PutFaces(ctx, store.FacesResult{AssetKey: photo.Key, ModelVersion: "fr-v1", Image: photo.Path, Faces: newFaces(2, 4)}))
	require.NoError(t, s.PutKeyframes(ctx, store.KeyframesResult{Asset: video, ModelVersion: "kf-v1",
		Frames: []store.Keyframe{{Index: 1, Path: "/d/1.jpg"}, {Index: 2, Path: "/d/2.jpg"}}}))
	require.NoError(t, s.PutCaption(ctx, store.CaptionResult{AssetKey: other.Key, ModelVersion: "cap-v1", Text: "a sign"}))
	require.NoError(t, s.PutCaption(ctx, store.CaptionResult{AssetKey: video.Key, Frame: 1, ModelVersion: "cap-v1", Text: "a room"}))

	all, err := s.Recent(ctx, "", 10)
	require.NoError(t, err)
	var paths []string
	for _, a := range all {
		paths = append(paths, a.Path)
		require.False(t, a.StoredAt.IsZero(), a.Path)
	}
	require.Equal(t, []string{video.Path, other.Path, photo.Path}, paths, "latest result first; no results, not listed")
	require.Equal(t, store.RecentAsset{Key: video.Key, Path: video.Path, Media: "video", StoredAt: all[0].StoredAt,
		Captions: 1, Keyframes: 2}, all[0])
	require.Equal(t, 2, all[2].Faces)
	require.False(t, all[0].StoredAt.Before(all[1].StoredAt))

	two, err := s.Recent(ctx, "", 2)
	require.NoError(t, err)
	require.Len(t, two, 2)
	for match, want := range map[string][]string{
		"beach_day": {photo.Path}, "PHOTOS": {other.Path, photo.Path}, "100%": {other.Path},
		"_": {photo.Path}, "%": {other.Path}, "party.MP4": {video.Path}, "nothing": nil,
	} {
		got, err := s.Recent(ctx, match, 10)
		require.NoError(t, err)
		var gp []string
		for _, a := range got {
			gp = append(gp, a.Path)
		}
		require.Equal(t, want, gp, "match %q", match)
	}
}

// testFacesStamp: the stamp of a model version changes with every faces result put or
// replaced under it, and with nothing else.
func testFacesStamp(t *testing.T, s store.Store) {
	ctx := t.Context()
	stamp := func(version string) string {
		t.Helper()
		st, err := s.FacesStamp(ctx, version)
		require.NoError(t, err)
		return st
	}
	empty := stamp("fr-v1")
	a := put(t, s, newAsset("/photos/a.jpg", "image"))
	b := put(t, s, newAsset("/photos/b.jpg", "image"))
	require.Equal(t, empty, stamp("fr-v1"), "an asset alone")
	r := store.FacesResult{AssetKey: a.Key, ModelVersion: "fr-v1", Image: a.Path, Faces: newFaces(2, 4)}
	require.NoError(t, s.PutFaces(ctx, r))
	one := stamp("fr-v1")
	require.NotEqual(t, empty, one)
	require.Equal(t, one, stamp("fr-v1"), "reading changes nothing")

	require.NoError(t, s.PutFaces(ctx, store.FacesResult{AssetKey: b.Key, ModelVersion: "fr-v2", Image: b.Path, Faces: newFaces(1, 4)}))
	require.NoError(t, s.PutCaption(ctx, store.CaptionResult{AssetKey: a.Key, ModelVersion: "cap-v1", Text: "x"}))
	require.Equal(t, one, stamp("fr-v1"), "another version's faces and captions")

	r.Faces = newFaces(2, 4) // the same count, other faces
	require.NoError(t, s.PutFaces(ctx, r))
	two := stamp("fr-v1")
	require.NotEqual(t, one, two, "a replaced result")
	require.NoError(t, s.PutFaces(ctx, store.FacesResult{AssetKey: b.Key, ModelVersion: "fr-v1", Image: b.Path}))
	require.NotEqual(t, two, stamp("fr-v1"), "a photo without faces")
}
