package persons_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/persons"
	"github.com/mediafleet/mediafleet/tasks"
)

var params = persons.Params{Join: 0.5, MinFaces: 3, Merge: 0.7}

// synthFace is a face of identity id: its centre plus noise, so one identity scores about
// 0.8 against itself and about 0 against others.
func synthFace(r *rand.Rand, centres [][]float32, id int) []float32 {
	c := centres[id]
	v := make([]float32, len(c))
	var n float64
	for j := range v {
		v[j] = c[j] + float32(r.NormFloat64()*0.06)
		n += float64(v[j]) * float64(v[j])
	}
	for j := range v {
		v[j] = float32(float64(v[j]) / math.Sqrt(n))
	}
	return v
}

func centres(r *rand.Rand, n, dim int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		var s float64
		for j := range v {
			v[j] = float32(r.NormFloat64())
			s += float64(v[j]) * float64(v[j])
		}
		for j := range v {
			v[j] = float32(float64(v[j]) / math.Sqrt(s))
		}
		out[i] = v
	}
	return out
}

// TestConcurrentClusterers: four clusterers, each with its own connection pool as separate
// worker processes would have, run passes while faces keep arriving, each planned pass run by
// all four at once. Every identity ends in
// exactly one person, no person holds two identities, and no person was created twice.
func TestConcurrentClusterers(t *testing.T) {
	t.Parallel()
	for _, backend := range []struct {
		name string
		spec func(testing.TB) string
	}{{"SQLite", storetest.SQLiteSpec}, {"PostgreSQL", storetest.PostgresSpec}} {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			spec := backend.spec(t)
			writer := storetest.OpenSpec(t, spec)
			const nIDs, perID, clusterers = 6, 8, 4
			r := rand.New(rand.NewPCG(7, 8))
			cs := centres(r, nIDs, 64)
			type item struct {
				key string
				id  int
				emb []float32
			}
			var items []item
			for i := range nIDs {
				for j := range perID {
					items = append(items, item{key: tasks.AssetKey("", fmt.Sprintf("/p/%d-%d.jpg", i, j), 1, 1), id: i, emb: synthFace(r, cs, i)})
				}
			}
			r.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })

			// Each stored face plans a pass, as faces tasks do; every clusterer takes every plan,
			// so four passes race for each new face.
			var wg sync.WaitGroup
			plans := make([]chan struct{}, clusterers)
			for c := range clusterers {
				plans[c] = make(chan struct{}, 1)
				st := storetest.OpenSpec(t, spec)
				wg.Go(func() {
					for range plans[c] {
						if _, err := persons.Cluster(t.Context(), st, "fr-v1", params, 5); err != nil {
							t.Errorf("clusterer %d: %v", c, err)
							return
						}
					}
				})
			}
			for _, it := range items {
				a := store.Asset{Key: it.key, Path: "/p/" + it.key + ".jpg", Media: "image"}
				require.NoError(t, writer.UpsertAsset(t.Context(), a))
				require.NoError(t, writer.PutFaces(t.Context(), store.FacesResult{AssetKey: it.key, ModelVersion: "fr-v1", Image: a.Path,
					Faces: []store.Face{{Index: 0, Embedding: it.emb, Dim: len(it.emb), BBox: [4]float32{1, 2, 30, 40}}}}))
				for _, p := range plans {
					select {
					case p <- struct{}{}:
					default: // a pass is already planned: it will see this face
					}
				}
			}
			for _, p := range plans {
				close(p)
			}
			wg.Wait()
			_, err := persons.Cluster(t.Context(), writer, "fr-v1", params, 5)
			require.NoError(t, err)

			label := map[string]int{}
			for _, it := range items {
				label[it.key] = it.id
			}
			list, err := writer.ListPersons(t.Context(), "fr-v1")
			require.NoError(t, err)
			seen := map[int]int64{}
			total := 0
			for _, p := range list {
				got, err := writer.GetPerson(t.Context(), p.ID)
				require.NoError(t, err)
				ids := map[int]bool{}
				for _, f := range got.Faces {
					ids[label[f.AssetKey]] = true
				}
				require.Len(t, ids, 1, "person %d holds faces of identities %v", p.ID, ids)
				for id := range ids {
					prev, dup := seen[id]
					require.False(t, dup, "identity %d is in persons %d and %d: created twice", id, prev, p.ID)
					seen[id] = p.ID
				}
				total += len(got.Faces)
			}
			require.Len(t, seen, nIDs, "one person per identity")
			require.Equal(t, nIDs*perID, total, "every face in its person")
		})
	}
}
