package worker

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/persons"
	"github.com/mediafleet/mediafleet/tasks"
)

// TestPersonsPlannedOncePerWindow: faces tasks finishing within one window plan one pass.
func TestPersonsPlannedOncePerWindow(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	now := time.Unix(1_800_000_000, 0)
	pl := &PersonsPlanner{Client: b.client, Options: tasks.Options{Prefix: b.prefix}, Window: 10 * time.Second,
		Now: func() time.Time { return now }}
	for range 5 {
		require.NoError(t, pl.Plan(t.Context(), "fr-v1"))
	}
	now = now.Add(3 * time.Second) // same window
	require.NoError(t, pl.Plan(t.Context(), "fr-v1"))
	require.NoError(t, pl.Plan(t.Context(), "fr-v2")) // another model version: its own pass
	now = now.Add(10 * time.Second)                   // the next window
	require.NoError(t, pl.Plan(t.Context(), "fr-v1"))
	scheduled, err := b.insp.ListScheduledTasks(tasks.QueueName(b.prefix, tasks.Persons))
	require.NoError(t, err)
	ids := map[string]time.Time{}
	for _, s := range scheduled {
		ids[s.ID] = s.NextProcessAt
	}
	require.Equal(t, map[string]time.Time{
		"persons:fr-v1:1800000010": time.Unix(1_800_000_015, 0),
		"persons:fr-v2:1800000010": time.Unix(1_800_000_015, 0),
		"persons:fr-v1:1800000020": time.Unix(1_800_000_025, 0),
	}, ids)
}

// TestPersonsThroughTheFleet: faces tasks store faces of three people and plan a persons
// pass; the fleet's persons queue runs it and three persons form.
func TestPersonsThroughTheFleet(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	st := storetest.SQLite(t)
	ctx := t.Context()
	r := rand.New(rand.NewPCG(1, 1))
	centres := make([][]float32, 3)
	for i := range centres {
		centres[i] = randomUnit(r, 32, nil, 0)
	}
	const n = 12
	embs := make([][]float32, n)
	for i := range embs {
		embs[i] = randomUnit(r, 32, centres[i%3], 0.05)
	}
	// The faces handler stands in for the pipeline: it stores the face of its asset.
	faces := asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		var p tasks.FacesPayload
		if err := tasks.Decode(t.Payload(), &p); err != nil {
			return err
		}
		var i int
		for i = range n {
			if p.Asset.Key == keyOf(i) {
				break
			}
		}
		if err := st.UpsertAsset(ctx, store.Asset{Key: p.Asset.Key, Path: p.Asset.Path, Media: "image"}); err != nil {
			return err
		}
		return st.PutFaces(ctx, store.FacesResult{AssetKey: p.Asset.Key, ModelVersion: p.ModelVersion, Image: p.Image,
			Faces: []store.Face{{Embedding: embs[i], Dim: len(embs[i]), BBox: [4]float32{1, 1, 20, 20}}}})
	})
	b.enqueueFaces(t, n, "/lib/x.jpg")
	var passes atomic.Int32
	ph := &PersonsHandler{Store: st, Params: persons.Params{Join: 0.5, MinFaces: 3, Merge: 0.7}, Batch: 100}
	pl := &PersonsPlanner{Client: b.client, Options: tasks.Options{Prefix: b.prefix}, Window: time.Second}
	f, err := New(testConfig(b,
		QueueSpec{Kind: tasks.Faces, Concurrency: 4, Handler: pl.After(faces)},
		QueueSpec{Kind: tasks.Persons, Concurrency: 1, Handler: Adapt(func(ctx context.Context, p *tasks.PersonsPayload) error {
			passes.Add(1)
			return ph.Handle(ctx, p)
		})}))
	require.NoError(t, err)
	runCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	require.NoError(t, f.Run(runCtx, true))
	require.Positive(t, passes.Load())
	list, err := st.ListPersons(ctx, "v1")
	require.NoError(t, err)
	require.Len(t, list, 3)
	for _, p := range list {
		require.Equal(t, n/3, p.FaceCount)
	}
}

// keyOf is the asset key enqueueFaces gives the i-th task.
func keyOf(i int) string { return tasks.AssetKey("", fmt.Sprintf("/lib/%d.jpg", i), 0, 0) }

// randomUnit is a random unit vector, or centre plus noise of that size when centre is set.
func randomUnit(r *rand.Rand, dim int, centre []float32, noise float64) []float32 {
	v := make([]float32, dim)
	var s float64
	for j := range v {
		x := r.NormFloat64()
		if centre != nil {
			x = float64(centre[j]) + x*noise
		}
		v[j] = float32(x)
		s += x * x
	}
	for j := range v {
		v[j] = float32(float64(v[j]) / math.Sqrt(s))
	}
	return v
}
