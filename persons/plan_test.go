package persons

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
)

var testParams = Params{Join: 0.5, MinFaces: 3, Merge: 0.7}

// identities makes n random unit centres in dim dimensions; faces of one identity are its
// centre plus noise, so faces of one identity score about 0.8 and of two about 0.
func identities(r *rand.Rand, n, dim int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		out[i] = unit(v)
	}
	return out
}

func faceOf(r *rand.Rand, centre []float32, noise float64, ref store.FaceRef) Face {
	v := make([]float32, len(centre))
	for j := range v {
		v[j] = centre[j] + float32(r.NormFloat64()*noise/float64(len(centre))*8)
	}
	return Face{Ref: ref, Vec: unit(v)}
}

func ids() func() (int64, error) {
	var n int64
	return func() (int64, error) { n++; return n, nil }
}

func TestPlanWaitsThenStartsPersons(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	c := identities(r, 2, 64)
	ref := func(i int) store.FaceRef { return store.FaceRef{AssetKey: fmt.Sprintf("a%d", i), ModelVersion: "v"} }
	newID := ids()

	// Two faces of one identity: too few for a person, both wait.
	res, err := Plan(testParams, nil, []Face{faceOf(r, c[0], 0.5, ref(0)), faceOf(r, c[0], 0.5, ref(1))}, nil, newID)
	require.NoError(t, err)
	require.Equal(t, 0, res.Created)
	require.Equal(t, 2, res.Waiting)
	for _, a := range res.Assign {
		require.Zero(t, a.PersonID)
	}
	waiting := []Face{faceOf(r, c[0], 0.5, ref(0)), faceOf(r, c[0], 0.5, ref(1))}

	// A third face of it and one of another identity: the three start a person, the other waits.
	res, err = Plan(testParams, nil, []Face{faceOf(r, c[0], 0.5, ref(2)), faceOf(r, c[1], 0.5, ref(3))}, waiting, newID)
	require.NoError(t, err)
	require.Equal(t, 1, res.Created)
	require.Equal(t, 1, res.Waiting)
	got := map[string]int64{}
	for _, a := range res.Assign {
		got[a.Face.AssetKey] = a.PersonID
	}
	require.Equal(t, map[string]int64{"a0": 1, "a1": 1, "a2": 1, "a3": 0}, got)
	require.Len(t, res.Save, 1)
	require.Equal(t, 3, res.Save[0].Count)

	// A later face of the first identity joins that person at once.
	persons := []*Person{{PersonState: res.Save[0].PersonState}}
	res, err = Plan(testParams, persons, []Face{faceOf(r, c[0], 0.5, ref(4))}, nil, newID)
	require.NoError(t, err)
	require.Equal(t, 1, res.Joined)
	require.Equal(t, int64(1), res.Assign[0].PersonID)
	require.Greater(t, res.Assign[0].Score, float32(0.5))
	require.Equal(t, 4, res.Save[0].Count)
}

func TestPlanMergesButNotPinned(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	c := identities(r, 1, 64)
	mk := func(id int64, name string, manual, n int) *Person {
		p := &Person{PersonState: store.PersonState{ID: id, Name: name, Manual: manual}}
		for range n {
			p.add(faceOf(r, c[0], 0.3, store.FaceRef{}).Vec)
		}
		p.changed = false
		return p
	}
	newFace := []Face{faceOf(r, c[0], 0.3, store.FaceRef{AssetKey: "x"})}

	// Two unnamed persons of one identity merge into the larger.
	a, b := mk(1, "", 0, 2), mk(2, "", 0, 5)
	res, err := Plan(testParams, []*Person{a, b}, newFace, nil, ids())
	require.NoError(t, err)
	require.Equal(t, 1, res.Merged)
	require.Equal(t, []Move{{From: 1, Into: 2}}, res.Moves)
	require.Equal(t, int64(2), res.Assign[0].PersonID)
	require.Equal(t, 8, b.Count)

	// A named person absorbs an unnamed larger one.
	a, b = mk(1, "Ada", 0, 2), mk(2, "", 0, 5)
	res, err = Plan(testParams, []*Person{a, b}, newFace, nil, ids())
	require.NoError(t, err)
	require.Equal(t, []Move{{From: 2, Into: 1}}, res.Moves)

	// Two pinned persons (a name, hand-assigned faces) never merge.
	a, b = mk(1, "Ada", 0, 2), mk(2, "", 1, 5)
	res, err = Plan(testParams, []*Person{a, b}, newFace, nil, ids())
	require.NoError(t, err)
	require.Zero(t, res.Merged)
	require.Empty(t, res.Moves)
}

// TestPlanNeverMixesIdentities: many identities, faces arriving in small batches in random
// order; no person ever holds faces of two identities, and each identity ends in one person.
func TestPlanNeverMixesIdentities(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const nIDs, perID = 12, 9
	c := identities(r, nIDs, 128)
	var faces []Face
	label := map[store.FaceRef]int{}
	for i := range nIDs {
		for j := range perID {
			ref := store.FaceRef{AssetKey: fmt.Sprintf("id%d-%d", i, j), ModelVersion: "v"}
			faces = append(faces, faceOf(r, c[i], 0.6, ref))
			label[ref] = i
		}
	}
	r.Shuffle(len(faces), func(i, j int) { faces[i], faces[j] = faces[j], faces[i] })
	var (
		persons []*Person
		waiting []Face
		where   = map[store.FaceRef]int64{}
		newID   = ids()
	)
	for len(faces) > 0 {
		n := min(7, len(faces))
		batch := faces[:n]
		faces = faces[n:]
		res, err := Plan(testParams, persons, batch, waiting, newID)
		require.NoError(t, err)
		for _, m := range res.Moves {
			for k, v := range where {
				if v == m.From {
					where[k] = m.Into
				}
			}
		}
		for _, a := range res.Assign {
			where[a.Face] = a.PersonID
		}
		byID := map[int64]*Person{}
		for _, p := range persons {
			byID[p.ID] = p
		}
		for _, p := range res.Save {
			byID[p.ID] = p
		}
		for _, id := range res.Delete {
			delete(byID, id)
		}
		persons = persons[:0]
		for _, p := range byID {
			p.changed, p.isNew, p.gone = false, false, false
			persons = append(persons, p)
		}
		all := append(waiting, batch...)
		waiting = waiting[:0]
		for _, f := range all {
			if where[f.Ref] == 0 {
				waiting = append(waiting, f)
			}
		}
	}
	identityOf := map[int64]int{}
	personOf := map[int]int64{}
	for ref, pid := range where {
		require.NotZero(t, pid, "face %s of identity %d never found its person", ref, label[ref])
		if id, ok := identityOf[pid]; ok {
			require.Equal(t, id, label[ref], "person %d mixes identities", pid)
		}
		identityOf[pid] = label[ref]
		if p, ok := personOf[label[ref]]; ok {
			require.Equal(t, p, pid, "identity %d is split", label[ref])
		}
		personOf[label[ref]] = pid
	}
	require.Len(t, personOf, nIDs)
}
