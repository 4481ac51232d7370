package facesearch_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/inference/facesearch"
)

// The stored faces nearest to the faces of a file the store holds, as `faces similar` and the
// dashboard's results view find them.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "facesearch-example-")
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, filepath.Join(dir, "results.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	// What workers store: one face per photo, embeddings as the face model gives them.
	for i, emb := range [][]float32{{1, 0, 0}, {0.96, 0.28, 0}, {0, 1, 0}, {0.6, 0.8, 0}} {
		path := fmt.Sprintf("/photos/%d.jpg", i)
		key := fmt.Sprintf("k%d", i)
		_ = st.UpsertAsset(ctx, store.Asset{Key: key, Path: path, Media: "image"})
		_ = st.PutFaces(ctx, store.FacesResult{AssetKey: key, ModelVersion: "v1", Image: path,
			Faces: []store.Face{{BBox: [4]float32{10, 10, 60, 60}, Score: 0.9, Embedding: emb, Dim: len(emb)}}})
	}

	v, _ := st.Show(ctx, "/photos/0.jpg")
	matches, err := facesearch.Nearest(ctx, facesearch.NewIndex(st), "v1", facesearch.StoredQueries(v, "v1"), 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range matches {
		fmt.Printf("%s %.2f\n", m.Path, m.Score)
	}
	// Output:
	// /photos/1.jpg 0.96
	// /photos/3.jpg 0.60
}
