package facesearch_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/inference/facesearch"
)

// BenchmarkNearest measures one search (one query face, the top 6) over 10,000 stored 512-d
// faces, in SQLite and PostgreSQL, read from the store on each search (`faces similar`) and
// through an Index that keeps them in memory (the dashboard's results view). faces/s is the
// stored faces compared per second.
func BenchmarkNearest(b *testing.B) {
	const n, dim, perPhoto = 10_000, 512, 4
	for _, backend := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(backend.name, func(b *testing.B) {
			st := backend.open(b)
			rng := rand.New(rand.NewPCG(1, 2))
			emb := func() []float32 {
				v := make([]float32, dim)
				var sum float64
				for i := range v {
					v[i] = float32(rng.NormFloat64())
					sum += float64(v[i]) * float64(v[i])
				}
				for i := range v {
					v[i] /= float32(math.Sqrt(sum))
				}
				return v
			}
			for p := range n / perPhoto {
				key, path := fmt.Sprintf("k%05d", p), fmt.Sprintf("/lib/%05d.jpg", p)
				require.NoError(b, st.UpsertAsset(b.Context(), store.Asset{Key: key, Path: path, Media: "image"}))
				r := store.FacesResult{AssetKey: key, ModelVersion: "v1", Image: path, Width: 4000, Height: 3000}
				for i := range perPhoto {
					r.Faces = append(r.Faces, store.Face{Index: i, BBox: [4]float32{float32(i * 100), 0, float32(i*100 + 80), 80},
						Score: 0.9, Embedding: emb(), Dim: dim})
				}
				require.NoError(b, st.PutFaces(b.Context(), r))
			}
			q := []facesearch.Query{{Embedding: emb()}}
			idx := facesearch.NewIndex(st)
			for _, src := range []struct {
				name string
				src  facesearch.Source
			}{{"store", st}, {"index", idx}} {
				b.Run(src.name, func(b *testing.B) {
					_, err := facesearch.Nearest(b.Context(), src.src, "v1", q, 6) // the index reads the store once
					require.NoError(b, err)
					b.ResetTimer()
					for range b.N {
						got, err := facesearch.Nearest(b.Context(), src.src, "v1", q, 6)
						require.NoError(b, err)
						require.Len(b, got, 6)
					}
					b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "faces/s")
				})
			}
		})
	}
}
