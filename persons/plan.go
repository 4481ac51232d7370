package persons

import (
	"errors"
	"math"
	"sort"

	"github.com/mediafleet/mediafleet/catalog/store"
)

// Params steer clustering.
type Params struct {
	// Join is the cosine similarity to a person's centroid at which a face joins it.
	Join float64
	// MinFaces is how many mutually similar waiting faces start a new person.
	MinFaces int
	// Merge is the similarity of two centroids at which their persons merge.
	Merge float64
}

// Validate refuses thresholds outside (0, 1) and MinFaces below 1.
func (p Params) Validate() error {
	if p.Join <= 0 || p.Join >= 1 || p.Merge <= 0 || p.Merge >= 1 || p.MinFaces < 1 {
		return errors.New("persons: join and merge thresholds must lie between 0 and 1, min faces at least 1")
	}
	return nil
}

// Face is one face to place, its embedding L2-normalised.
type Face struct {
	Ref store.FaceRef
	Vec []float32
}

// Person is one person as a pass changes it.
type Person struct {
	store.PersonState
	centroid []float32
	changed  bool
	isNew    bool
	gone     bool // merged into another in this pass
}

// pinned persons hold a name or hand-assigned faces: they absorb others, never the reverse.
func (p *Person) pinned() bool { return p.Name != "" || p.Manual > 0 }

func (p *Person) add(v []float32) {
	if len(p.Sum) < len(v) {
		p.Sum = append(p.Sum, make([]float32, len(v)-len(p.Sum))...)
	}
	for i, x := range v {
		p.Sum[i] += x
	}
	p.Count++
	p.centroid = nil
	p.changed = true
}

// Centroid is the direction of the person's sum of embeddings, unit length.
func (p *Person) Centroid() []float32 {
	if p.centroid == nil {
		p.centroid = unit(p.Sum)
	}
	return p.centroid
}

// Result is what one pass decided.
type Result struct {
	// Assign holds the new faces' assignments (waiting faces with PersonID 0) and the
	// waiting faces that found a person.
	Assign []store.Assignment
	// Save lists the persons created or changed; Delete those merged away, with Moves
	// saying into which.
	Save   []*Person
	Delete []int64
	Moves  []Move
	// Created counts the new persons; Merged the persons merged into others.
	Created, Merged, Joined, Waiting int
}

// Move is a merge: every face of From now belongs to Into.
type Move struct{ From, Into int64 }

// Plan places the new faces among the persons, starts persons from the waiting faces and
// merges persons that came too close. newID reserves the id of each person it starts.
func Plan(p Params, persons []*Person, newFaces, waiting []Face, newID func() (int64, error)) (*Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	res := &Result{}
	var fresh []Face
	for _, f := range newFaces {
		best, sim := nearest(persons, f.Vec)
		if best != nil && sim >= p.Join {
			best.add(f.Vec)
			res.Assign = append(res.Assign, store.Assignment{Face: f.Ref, PersonID: best.ID, Source: store.SourceAuto, Score: float32(sim)})
			res.Joined++
			continue
		}
		fresh = append(fresh, f)
	}
	// Start persons from the waiting pool, seeded by the faces that arrived now.
	pool := append(append([]Face(nil), waiting...), fresh...)
	taken := make([]bool, len(pool))
	var started []*Person
	for i := len(waiting); i < len(pool); i++ {
		if taken[i] {
			continue
		}
		var near []int
		for j := range pool {
			if !taken[j] && dot(pool[i].Vec, pool[j].Vec) >= p.Join {
				near = append(near, j)
			}
		}
		if len(near) < p.MinFaces {
			continue
		}
		c := unit(sumOf(pool, near))
		var members []int
		for _, j := range near {
			if dot(pool[j].Vec, c) >= p.Join {
				members = append(members, j)
			}
		}
		if len(members) < p.MinFaces {
			continue
		}
		id, err := newID()
		if err != nil {
			return nil, err
		}
		np := &Person{PersonState: store.PersonState{ID: id}, isNew: true}
		for _, j := range members {
			taken[j] = true
			np.add(pool[j].Vec)
		}
		for _, j := range members {
			res.Assign = append(res.Assign, store.Assignment{Face: pool[j].Ref, PersonID: id, Source: store.SourceAuto,
				Score: float32(dot(pool[j].Vec, np.Centroid()))})
		}
		started = append(started, np)
		res.Created++
	}
	// Waiting faces the new persons now reach join them; the rest of the new faces wait.
	for j := range pool {
		if taken[j] {
			continue
		}
		if best, sim := nearest(started, pool[j].Vec); best != nil && sim >= p.Join {
			best.add(pool[j].Vec)
			taken[j] = true
			res.Assign = append(res.Assign, store.Assignment{Face: pool[j].Ref, PersonID: best.ID, Source: store.SourceAuto, Score: float32(sim)})
			continue
		}
		if j >= len(waiting) {
			res.Assign = append(res.Assign, store.Assignment{Face: pool[j].Ref, Source: store.SourceAuto})
			res.Waiting++
		}
	}
	all := append(append([]*Person(nil), persons...), started...)
	merge(p, all, res)
	for _, q := range all {
		if q.changed && !q.gone {
			res.Save = append(res.Save, q)
		}
	}
	return res, nil
}

// merge joins persons whose centroids are at least p.Merge alike, closest pairs first. Only
// pairs with a changed person are looked at: unchanged pairs were looked at before.
func merge(p Params, all []*Person, res *Result) {
	type pair struct {
		a, b *Person
		sim  float64
	}
	var pairs []pair
	for i, a := range all {
		for _, b := range all[i+1:] {
			if !a.changed && !b.changed || a.Count == 0 || b.Count == 0 {
				continue
			}
			if s := dot(a.Centroid(), b.Centroid()); s >= p.Merge {
				pairs = append(pairs, pair{a, b, s})
			}
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].sim > pairs[j].sim })
	for _, pr := range pairs {
		a, b := pr.a, pr.b
		if a.gone || b.gone || a.pinned() && b.pinned() {
			continue
		}
		if dot(a.Centroid(), b.Centroid()) < p.Merge { // an earlier merge moved one of them
			continue
		}
		into, from := a, b
		switch {
		case b.pinned():
			into, from = b, a
		case a.pinned():
		case b.Count > a.Count || b.Count == a.Count && b.ID < a.ID:
			into, from = b, a
		}
		for i, x := range from.Sum {
			if i < len(into.Sum) {
				into.Sum[i] += x
			}
		}
		into.Count += from.Count
		into.Manual += from.Manual
		into.centroid, into.changed = nil, true
		from.gone, from.changed = true, false
		res.Merged++
		// Assignments made in this pass follow their person.
		for i := range res.Assign {
			if res.Assign[i].PersonID == from.ID {
				res.Assign[i].PersonID = into.ID
			}
		}
		if !from.isNew {
			res.Delete = append(res.Delete, from.ID)
			res.Moves = append(res.Moves, Move{From: from.ID, Into: into.ID})
		} else {
			res.Created--
		}
	}
}

// nearest is the person whose centroid is most similar to v, and that similarity.
func nearest(ps []*Person, v []float32) (*Person, float64) {
	var (
		best *Person
		sim  = math.Inf(-1)
	)
	for _, q := range ps {
		if q.gone || q.Count == 0 {
			continue
		}
		if s := dot(q.Centroid(), v); s > sim {
			best, sim = q, s
		}
	}
	return best, sim
}

func sumOf(pool []Face, idx []int) []float32 {
	s := make([]float32, len(pool[idx[0]].Vec))
	for _, j := range idx {
		for i, x := range pool[j].Vec {
			s[i] += x
		}
	}
	return s
}

// dot is the dot product of two vectors (cosine similarity for unit vectors); vectors of
// different lengths (another model) are not alike at all.
func dot(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return -1
	}
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return float64(s)
}

// unit returns v scaled to length 1 (a zero vector stays zero).
func unit(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	inv := 1 / math.Sqrt(n)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}
