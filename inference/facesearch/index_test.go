package facesearch_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/inference/facesearch"
)

// countingStore counts the walks over the real store's faces.
type countingStore struct {
	store.Store
	walks atomic.Int32
}

func (c *countingStore) EachFace(ctx context.Context, version string, fn func(store.FaceRow) error) error {
	c.walks.Add(1)
	return c.Store.EachFace(ctx, version, fn)
}

// TestIndexFollowsTheStore: an Index answers repeated searches from memory, reads the store
// again as soon as its faces change, and past its limit streams from the store every time;
// the answers are always the store's.
func TestIndexFollowsTheStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := &countingStore{Store: storetest.SQLite(t)}
	putFaces(t, st, "/lib/a.jpg", "v1", unit(30), unit(80))
	putFaces(t, st, "/lib/b.jpg", "v1", unit(50))
	q := []facesearch.Query{{Embedding: unit(0)}}
	paths := func(src facesearch.Source) []string {
		t.Helper()
		got, err := facesearch.Nearest(ctx, src, "v1", q, 2)
		require.NoError(t, err)
		var p []string
		for _, m := range got {
			p = append(p, m.Path)
		}
		return p
	}

	idx := facesearch.NewIndex(st)
	require.Equal(t, []string{"/lib/a.jpg", "/lib/b.jpg"}, paths(idx))
	require.Equal(t, []string{"/lib/a.jpg", "/lib/b.jpg"}, paths(idx))
	require.EqualValues(t, 1, st.walks.Load(), "the second search is answered from memory")

	putFaces(t, st, "/lib/c.jpg", "v1", unit(5))
	require.Equal(t, []string{"/lib/c.jpg", "/lib/a.jpg"}, paths(idx), "a new face is found at once")
	require.EqualValues(t, 2, st.walks.Load())
	putFaces(t, st, "/lib/other.jpg", "v2", unit(1))
	require.Equal(t, []string{"/lib/c.jpg", "/lib/a.jpg"}, paths(idx))
	require.EqualValues(t, 2, st.walks.Load(), "another version's faces change nothing")
	putFaces(t, st, "/lib/c.jpg", "v1", unit(70)) // c's result replaced
	require.Equal(t, []string{"/lib/a.jpg", "/lib/b.jpg"}, paths(idx), "a replaced face is found at once")

	small := facesearch.NewIndex(st)
	small.Limit = 2
	before := st.walks.Load()
	require.Equal(t, []string{"/lib/a.jpg", "/lib/b.jpg"}, paths(small))
	require.Equal(t, []string{"/lib/a.jpg", "/lib/b.jpg"}, paths(small))
	require.EqualValues(t, before+3, st.walks.Load(), "past its limit an index keeps nothing: one walk to count, one per search")
}
