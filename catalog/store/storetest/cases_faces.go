package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
)

func testEachFaceRoundTrips(t *testing.T, s store.Store) {
	ctx := t.Context()
	type key struct {
		asset   string
		frame   int
		index   int
		version string
	}
	want := map[key]store.Face{}
	paths := map[string]string{}
	for i, path := range []string{"/p/一.jpg", `D:\p\two.jpg`, "/p/three.jpg"} {
		a := put(t, s, newAsset(path, "image"))
		paths[a.Key] = path
		for _, version := range []string{"fr-v1", "fr-v2"} {
			faces := newFaces(i+1, 512)
			faces[0].Embedding, faces[0].Dim = nil, 0 // a face without an embedding is not listed
			require.NoError(t, s.PutFaces(ctx, store.FacesResult{AssetKey: a.Key, ModelVersion: version, Image: path, Faces: faces}))
			for _, f := range faces[1:] {
				want[key{a.Key, 0, f.Index, version}] = f
			}
		}
	}
	for _, version := range []string{"fr-v1", "fr-v2", ""} {
		seen := 0
		err := s.EachFace(ctx, version, func(r store.FaceRow) error {
			k := key{r.AssetKey, r.Frame, r.Index, r.ModelVersion}
			f, ok := want[k]
			require.True(t, ok, "unexpected face %+v", k)
			require.True(t, version == "" || r.ModelVersion == version, "face of %s listed for %s", r.ModelVersion, version)
			require.Equal(t, paths[r.AssetKey], r.Path)
			require.Equal(t, f.Score, r.Score)
			require.Equal(t, f.BBox, r.BBox)
			requireSameBits(t, f.Embedding, r.Embedding, fmt.Sprintf("embedding of %+v", k))
			seen++
			return nil
		})
		require.NoError(t, err)
		n := len(want)
		if version != "" {
			n /= 2
		}
		require.Equal(t, n, seen, "faces listed for %q", version)
	}
}

func testEachFaceStopsOnError(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := put(t, s, newAsset("/p/group.jpg", "image"))
	require.NoError(t, s.PutFaces(ctx, store.FacesResult{AssetKey: a.Key, ModelVersion: "fr-v1", Image: a.Path, Faces: newFaces(5, 16)}))
	stop := errors.New("enough")
	calls := 0
	err := s.EachFace(ctx, "fr-v1", func(store.FaceRow) error { calls++; return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, calls)
	// The store is still usable after an early stop.
	v, err := s.Show(ctx, a.Path)
	require.NoError(t, err)
	require.Len(t, v.Faces, 5)
}

func testUnknownAsset(t *testing.T, s store.Store) {
	ctx := t.Context()
	err := s.PutFaces(ctx, store.FacesResult{AssetKey: "never-upserted", ModelVersion: "fr-v1", Image: "/p/x.jpg", Faces: newFaces(1, 4)})
	require.ErrorIs(t, err, store.ErrUnknownAsset)
	require.Contains(t, err.Error(), "never-upserted")
	err = s.PutCaption(ctx, store.CaptionResult{AssetKey: "never-upserted", ModelVersion: "cap-v1", Text: "x"})
	require.ErrorIs(t, err, store.ErrUnknownAsset)
	done, err := s.Done(ctx, "faces", "fr-v1", []string{"never-upserted"})
	require.NoError(t, err)
	require.Empty(t, done, "a refused result leaves nothing behind")
}

func testInvalidResults(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := put(t, s, newAsset("/p/bad.jpg", "image"))
	dup := newFaces(2, 4)
	dup[1].Index = 0
	wrongDim := newFaces(1, 4)
	wrongDim[0].Dim = 512
	for name, err := range map[string]error{
		"asset without key":         s.UpsertAsset(ctx, store.Asset{Path: "/p/a.jpg"}),
		"asset without path":        s.UpsertAsset(ctx, store.Asset{Key: "k"}),
		"faces without version":     s.PutFaces(ctx, store.FacesResult{AssetKey: a.Key}),
		"faces without asset":       s.PutFaces(ctx, store.FacesResult{ModelVersion: "fr-v1"}),
		"negative frame":            s.PutFaces(ctx, store.FacesResult{AssetKey: a.Key, Frame: -1, ModelVersion: "fr-v1"}),
		"face index twice":          s.PutFaces(ctx, store.FacesResult{AssetKey: a.Key, ModelVersion: "fr-v1", Faces: dup}),
		"dim not embedding length":  s.PutFaces(ctx, store.FacesResult{AssetKey: a.Key, ModelVersion: "fr-v1", Faces: wrongDim}),
		"caption without version":   s.PutCaption(ctx, store.CaptionResult{AssetKey: a.Key, Text: "x"}),
		"keyframes without version": s.PutKeyframes(ctx, store.KeyframesResult{Asset: a}),
		"keyframe index twice": s.PutKeyframes(ctx, store.KeyframesResult{Asset: a, ModelVersion: "kf-v1",
			Frames: []store.Keyframe{{Index: 1}, {Index: 1}}}),
	} {
		require.ErrorIs(t, err, store.ErrInvalid, name)
	}
	v, err := s.Show(ctx, a.Path)
	require.NoError(t, err)
	require.Empty(t, v.FaceScans, "refused results leave nothing behind")
	require.Empty(t, v.Keyframes)
	require.Nil(t, v.Video)
}
