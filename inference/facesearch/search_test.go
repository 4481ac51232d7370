package facesearch_test

import (
	"context"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/inference/facesearch"
	"github.com/mediafleet/mediafleet/internal/facestest"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// unit is the 2-d unit vector at deg degrees, padded to 4 values.
func unit(deg float64) []float32 {
	r := deg * math.Pi / 180
	return []float32{float32(math.Cos(r)), float32(math.Sin(r)), 0, 0}
}

// putFaces records one photo at path with one face per embedding, under version.
func putFaces(t *testing.T, st store.Store, path, version string, embs ...[]float32) string {
	t.Helper()
	key := "k-" + filepath.Base(path) + "-" + version
	require.NoError(t, st.UpsertAsset(t.Context(), store.Asset{Key: key, Path: path, Media: "image"}))
	r := store.FacesResult{AssetKey: key, ModelVersion: version, Image: path, Width: 100, Height: 100}
	for i, e := range embs {
		r.Faces = append(r.Faces, store.Face{Index: i, BBox: [4]float32{float32(i), 0, float32(i) + 10, 10}, Score: 0.9,
			Embedding: e, Dim: len(e)})
	}
	require.NoError(t, st.PutFaces(t.Context(), r))
	return key
}

// TestNearestRanksByCosine: each query face gets its top stored faces of its model version,
// most similar first; a stored query face is not its own match; faces of another model
// version are never matched.
func TestNearestRanksByCosine(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := storetest.SQLite(t)
	q := putFaces(t, st, "/lib/query.jpg", "v1", unit(0), unit(90))
	putFaces(t, st, "/lib/a.jpg", "v1", unit(10), unit(100))
	putFaces(t, st, "/lib/b.jpg", "v1", unit(40), unit(170))
	putFaces(t, st, "/lib/c.jpg", "v1", unit(25))
	putFaces(t, st, "/lib/other-version.jpg", "v2", unit(0), unit(90))

	v, err := st.Show(ctx, "/lib/query.jpg")
	require.NoError(t, err)
	qs := facesearch.StoredQueries(v, "v1")
	require.Len(t, qs, 2)
	require.Equal(t, store.FaceRef{AssetKey: q, Frame: 0, ModelVersion: "v1", Index: 1}, *qs[1].Stored)
	require.Empty(t, facesearch.StoredQueries(v, "v2"))

	got, err := facesearch.Nearest(ctx, st, "v1", qs, 3)
	require.NoError(t, err)
	type hit struct {
		query int
		path  string
		face  int
	}
	var hits []hit
	for i, m := range got {
		hits = append(hits, hit{m.QueryFace, m.Path, m.Face})
		if i > 0 && got[i-1].QueryFace == m.QueryFace {
			require.GreaterOrEqual(t, got[i-1].Score, m.Score)
		}
		require.InDelta(t, math.Cos(float64(angle(t, m))*math.Pi/180), m.Score, 1e-5)
	}
	require.Equal(t, []hit{
		{0, "/lib/a.jpg", 0}, {0, "/lib/c.jpg", 0}, {0, "/lib/b.jpg", 0}, // 10, 25, 40 degrees from 0
		{1, "/lib/a.jpg", 1}, {1, "/lib/b.jpg", 0}, {1, "/lib/c.jpg", 0}, // 10, 50, 65 degrees from 90
	}, hits)

	one, err := facesearch.Nearest(ctx, st, "v1", qs[:1], 1)
	require.NoError(t, err)
	require.Len(t, one, 1)
	require.Equal(t, "/lib/a.jpg", one[0].Path)
	none, err := facesearch.Nearest(ctx, st, "v1", nil, 5)
	require.NoError(t, err)
	require.Empty(t, none)
}

// angle is the angle in degrees between a match and its query face of TestNearestRanksByCosine.
func angle(t *testing.T, m facesearch.Match) float64 {
	stored := map[string][]float64{"/lib/a.jpg": {10, 100}, "/lib/b.jpg": {40, 170}, "/lib/c.jpg": {25}}
	a, ok := stored[m.Path]
	require.True(t, ok, "match %s", m.Path)
	return math.Abs(a[m.Face] - float64(90*m.QueryFace))
}

// TestSimilarWithRealFaces: with the real face models, the stored face nearest to the
// astronaut's is her own face, from a photo the store holds or from a mirrored, rescaled copy
// it does not; a photo without a face says so.
func TestSimilarWithRealFaces(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	p := facestest.Pipeline(t)
	version := p.ModelVersion()
	st := storetest.SQLite(t)
	dir := t.TempDir()
	astro := testenv.Sample(t, "astronaut.png")
	copyPath := filepath.Join(dir, "astronaut-mirrored.jpg")
	testenv.MirrorScaled(t, astro, copyPath)
	for _, path := range []string{astro, testenv.Sample(t, "messi5.jpg"), copyPath} {
		res, err := p.ProcessFile(ctx, path)
		require.NoError(t, err)
		require.NotEmpty(t, res.Faces, path)
		var embs [][]float32
		for _, f := range res.Faces {
			embs = append(embs, f.Embedding)
		}
		putFaces(t, st, path, version, embs...)
	}
	find := func(ctx context.Context, path string) ([]facesearch.Query, error) {
		return facesearch.FileQueries(ctx, p, path)
	}

	// In the store: its stored face is the query, and its nearest is the mirrored copy.
	v, err := st.Show(ctx, astro)
	require.NoError(t, err)
	got, err := facesearch.Similar(ctx, st, version, v, astro, func(context.Context, string) ([]facesearch.Query, error) {
		return nil, fmt.Errorf("the stored faces should have been used")
	}, 2)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, copyPath, got[0].Path)
	require.Greater(t, got[0].Score, float32(0.6))
	require.Less(t, got[1].Score, got[0].Score)

	// Not in the store: the faces are found in the file.
	outside := filepath.Join(dir, "query.jpg")
	testenv.MirrorScaled(t, astro, outside)
	got, err = facesearch.Similar(ctx, st, version, nil, outside, find, 1)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Contains(t, []string{astro, copyPath}, got[0].Path)
	require.Greater(t, got[0].Score, float32(0.6))

	// A picture without a face.
	blank := filepath.Join(dir, "blank.jpg")
	f, err := os.Create(blank)
	require.NoError(t, err)
	require.NoError(t, jpeg.Encode(f, image.NewGray(image.Rect(0, 0, 320, 240)), nil))
	require.NoError(t, f.Close())
	_, err = facesearch.Similar(ctx, st, version, nil, blank, find, 1)
	require.ErrorIs(t, err, facesearch.ErrNoFace)
	require.ErrorContains(t, err, blank)
}
