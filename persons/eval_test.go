package persons_test

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/persons"
	"github.com/mediafleet/mediafleet/tasks"
)

// variantsPerIdentity is how many photos of each labelled face the measurement makes: 8,
// 4 under the race detector (the figures come from a run without it).
func variantsPerIdentity() int {
	if raceEnabled {
		return 4
	}
	return 8
}

// evalFace is one detected face of a made-up photo with its identity.
type evalFace struct {
	identity string
	emb      []float32
}

// labelledFaces makes variantsPerIdentity photos of every labelled face, runs the real face
// pipeline on each and keeps the face found where the labelled one landed. It returns the
// faces and how many photos gave no face there.
func labelledFaces(t *testing.T) ([]evalFace, int) {
	t.Helper()
	rt, err := ort.Open(ort.Config{LibraryPath: testenv.ORTLib(t)}, zerolog.Nop())
	require.NoError(t, err)
	t.Cleanup(func() { rt.Close() })
	p, err := faces.New(rt, faces.DefaultConfig(testenv.ModelsDir(t)), zerolog.Nop())
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	var (
		out    []evalFace
		missed int
	)
	images := map[string]*image.RGBA{}
	for i, l := range readIdentities(t) {
		if images[l.image] == nil {
			images[l.image] = loadImage(t, l.image)
		}
		for v := range variantsPerIdentity() {
			vr := makeVariant(images[l.image], l.box, rand.New(rand.NewPCG(uint64(i+1), uint64(v+1))))
			res, err := p.ProcessImage(t.Context(), vr.img)
			require.NoError(t, err)
			var (
				best *faces.Face
				dist = math.Inf(1)
			)
			for k := range res.Faces {
				f := &res.Faces[k]
				d := math.Hypot(float64(f.Box.X1+f.Box.X2)/2-vr.cx, float64(f.Box.Y1+f.Box.Y2)/2-vr.cy)
				if d < dist {
					best, dist = f, d
				}
			}
			if best == nil || dist > 0.5*vr.faceW {
				missed++
				continue
			}
			out = append(out, evalFace{identity: l.identity, emb: best.Embedding})
		}
	}
	return out, missed
}

// scores are pairwise and BCubed precision and recall of a clustering against the labels.
// Faces in no person count as persons of their own.
type scores struct {
	PairP, PairR, BCubedP, BCubedR float64
	Persons, Waiting               int
	Mixed                          int // persons holding faces of more than one identity
}

func score(labels []string, cluster []int64) scores {
	return scoreLog(nil, labels, cluster)
}

// scoreLog is score that also logs the identities of each mixed person, when t is set.
func scoreLog(t *testing.T, labels []string, cluster []int64) scores {
	var s scores
	next := int64(-1)
	cl := make([]int64, len(cluster))
	persons := map[int64]map[string]bool{}
	for i, c := range cluster {
		if c == 0 {
			c, next = next, next-1
			s.Waiting++
		} else {
			if persons[c] == nil {
				persons[c] = map[string]bool{}
			}
			persons[c][labels[i]] = true
		}
		cl[i] = c
	}
	s.Persons = len(persons)
	for id, ids := range persons {
		if len(ids) > 1 {
			s.Mixed++
			if t != nil {
				t.Logf("person %d holds faces of %v", id, ids)
			}
		}
	}
	var tp, fp, fn float64
	for i := range labels {
		var sameC, sameL, both float64
		for j := range labels {
			sc, sl := cl[i] == cl[j], labels[i] == labels[j]
			if sc {
				sameC++
			}
			if sl {
				sameL++
			}
			if sc && sl {
				both++
			}
			if j <= i {
				continue
			}
			switch {
			case sc && sl:
				tp++
			case sc:
				fp++
			case sl:
				fn++
			}
		}
		s.BCubedP += both / sameC
		s.BCubedR += both / sameL
	}
	n := float64(len(labels))
	s.BCubedP /= n
	s.BCubedR /= n
	s.PairP, s.PairR = 1, 0
	if tp+fp > 0 {
		s.PairP = tp / (tp + fp)
	}
	if tp+fn > 0 {
		s.PairR = tp / (tp + fn)
	}
	return s
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// clusterThroughStore stores the faces as one photo each, in a shuffled order, and clusters
// them in rounds of `round` new faces, as the fleet would while faces tasks complete.
func clusterThroughStore(t *testing.T, fs []evalFace, params persons.Params, round int) []int64 {
	t.Helper()
	ctx := t.Context()
	st := storetest.SQLite(t)
	order := rand.New(rand.NewPCG(42, 42)).Perm(len(fs))
	keys := make([]string, len(fs))
	for n, i := range order {
		path := fmt.Sprintf("/eval/%s-%03d.jpg", fs[i].identity, i)
		keys[i] = tasks.AssetKey("", path, int64(i), 1)
		require.NoError(t, st.UpsertAsset(ctx, store.Asset{Key: keys[i], Path: path, Media: "image"}))
		require.NoError(t, st.PutFaces(ctx, store.FacesResult{AssetKey: keys[i], ModelVersion: "eval", Image: path,
			Faces: []store.Face{{Embedding: fs[i].emb, Dim: len(fs[i].emb), BBox: [4]float32{0, 0, 10, 10}}}}))
		if (n+1)%round == 0 || n == len(order)-1 {
			_, err := persons.Cluster(ctx, st, "eval", params, 1000)
			require.NoError(t, err)
		}
	}
	as, err := st.Assignments(ctx, "eval", keys)
	require.NoError(t, err)
	out := make([]int64, len(fs))
	for i, k := range keys {
		out[i] = as[store.FaceRef{AssetKey: k, ModelVersion: "eval"}].PersonID
	}
	return out
}

// clusterInMemory is clusterThroughStore with persons.Plan alone: the same order and rounds.
func clusterInMemory(t *testing.T, fs []evalFace, params persons.Params, round int) []int64 {
	t.Helper()
	order := rand.New(rand.NewPCG(42, 42)).Perm(len(fs))
	var (
		states  = map[int64]store.PersonState{}
		where   = make([]int64, len(fs))
		seen    = make([]bool, len(fs))
		nextID  int64
		pending []int
	)
	newID := func() (int64, error) { nextID++; return nextID, nil }
	ref := func(i int) store.FaceRef { return store.FaceRef{AssetKey: fmt.Sprint(i)} }
	for n, i := range order {
		pending = append(pending, i)
		if (n+1)%round != 0 && n != len(order)-1 {
			continue
		}
		var ps []*persons.Person
		for _, st := range states {
			ps = append(ps, &persons.Person{PersonState: st})
		}
		sort.Slice(ps, func(a, b int) bool { return ps[a].ID < ps[b].ID })
		var fresh, waiting []persons.Face
		for _, j := range pending {
			fresh = append(fresh, persons.Face{Ref: ref(j), Vec: fs[j].emb})
		}
		for j := range fs {
			if seen[j] && where[j] == 0 {
				waiting = append(waiting, persons.Face{Ref: ref(j), Vec: fs[j].emb})
			}
		}
		res, err := persons.Plan(params, ps, fresh, waiting, newID)
		require.NoError(t, err)
		for _, j := range pending {
			seen[j] = true
		}
		pending = pending[:0]
		for _, m := range res.Moves {
			for j := range where {
				if where[j] == m.From {
					where[j] = m.Into
				}
			}
			delete(states, m.From)
		}
		for _, a := range res.Assign {
			var j int
			fmt.Sscan(a.Face.AssetKey, &j)
			where[j] = a.PersonID
		}
		for _, p := range res.Save {
			states[p.ID] = p.PersonState
		}
	}
	return where
}

// TestClusteringOnLabelledFaces measures clustering on labelled faces: 23 people in 24 labelled
// faces (testdata/identities.csv), 8 made-up photos of each face (makeVariant), detected and embedded by
// the real pipeline, stored and clustered in rounds through the store as the fleet does. It
// prints pairwise and BCubed precision and recall for the default settings and a sweep, and
// fails when a person holds faces of two people or recall falls below a floor.
//
//	go test ./persons/ -run TestClusteringOnLabelledFaces -v
func TestClusteringOnLabelledFaces(t *testing.T) {
	t.Parallel()
	start := time.Now()
	fs, missed := labelledFaces(t)
	t.Logf("photos made and faces found in %s", time.Since(start).Round(time.Millisecond))
	labels := make([]string, len(fs))
	ids := map[string]bool{}
	for i, f := range fs {
		labels[i] = f.identity
		ids[f.identity] = true
	}
	// How alike the embeddings are: same person vs different people.
	var same, diff []float64
	for i := range fs {
		for j := i + 1; j < len(fs); j++ {
			var s float64
			for k := range fs[i].emb {
				s += float64(fs[i].emb[k]) * float64(fs[j].emb[k])
			}
			if labels[i] == labels[j] {
				same = append(same, s)
			} else {
				diff = append(diff, s)
			}
		}
	}
	if os.Getenv("EVAL_PAIRS") != "" {
		type pk struct{ a, b string }
		sum, n := map[pk]float64{}, map[pk]int{}
		for i := range fs {
			for j := i + 1; j < len(fs); j++ {
				if labels[i] == labels[j] {
					continue
				}
				a, b := labels[i], labels[j]
				if a > b {
					a, b = b, a
				}
				var s float64
				for k := range fs[i].emb {
					s += float64(fs[i].emb[k]) * float64(fs[j].emb[k])
				}
				sum[pk{a, b}] += s
				n[pk{a, b}]++
			}
		}
		for k, v := range sum {
			if m := v / float64(n[k]); m > 0.3 {
				t.Logf("mean cosine %s ~ %s: %.2f", k.a, k.b, m)
			}
		}
	}
	sort.Float64s(same)
	sort.Float64s(diff)
	pct := func(v []float64, q float64) float64 { return v[int(q*float64(len(v)-1))] }
	t.Logf("%d people in %d labelled faces, %d photos made, %d faces found where the labelled face landed (%d missed)",
		len(ids), len(readIdentities(t)), len(readIdentities(t))*variantsPerIdentity(), len(fs), missed)
	labelledBy := map[string]int{}
	for _, l := range readIdentities(t) {
		labelledBy[l.identity] += variantsPerIdentity()
	}
	found := map[string]int{}
	for _, f := range fs {
		found[f.identity]++
	}
	for id, n := range labelledBy {
		if found[id] < n {
			t.Logf("%s: face found in %d of %d photos", id, found[id], n)
		}
	}
	t.Logf("cosine, same person: min %.2f, 5%% %.2f, median %.2f; different people: median %.2f, 99.9%% %.2f, max %.2f",
		same[0], pct(same, 0.05), pct(same, 0.5), pct(diff, 0.5), pct(diff, 0.999), diff[len(diff)-1])
	require.GreaterOrEqual(t, len(fs), len(ids)*variantsPerIdentity()*3/4, "the pipeline finds most faces")

	def := persons.Params{Join: 0.5, MinFaces: 3, Merge: 0.6} // configs/default.yaml
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "join\tmin_faces\tmerge\tpersons\twaiting\tmixed\tpair P\tpair R\tpair F1\tBCubed P\tBCubed R\tBCubed F1\t")
	var got scores
	// The defaults through the store, as the fleet runs them; the sweep in memory (same rounds).
	start = time.Now()
	got = scoreLog(t, labels, clusterThroughStore(t, fs, def, 16))
	t.Logf("clustered through the store in %s", time.Since(start).Round(time.Millisecond))
	for _, p := range []persons.Params{def,
		{Join: 0.35, MinFaces: 3, Merge: 0.6}, {Join: 0.40, MinFaces: 3, Merge: 0.6}, {Join: 0.45, MinFaces: 3, Merge: 0.6},
		{Join: 0.55, MinFaces: 3, Merge: 0.6}, {Join: 0.60, MinFaces: 3, Merge: 0.6}, {Join: 0.5, MinFaces: 2, Merge: 0.6},
		{Join: 0.5, MinFaces: 4, Merge: 0.6}, {Join: 0.5, MinFaces: 3, Merge: 0.5}, {Join: 0.5, MinFaces: 3, Merge: 0.7}} {
		s := got
		if p != def {
			s = score(labels, clusterInMemory(t, fs, p, 16))
		}
		fmt.Fprintf(tw, "%.2f\t%d\t%.2f\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", p.Join, p.MinFaces, p.Merge,
			s.Persons, s.Waiting, s.Mixed, s.PairP, s.PairR, f1(s.PairP, s.PairR), s.BCubedP, s.BCubedR, f1(s.BCubedP, s.BCubedR))
	}
	require.NoError(t, tw.Flush())
	require.Zero(t, got.Mixed, "no person holds faces of two different people")
	require.Equal(t, 1.0, got.PairP)
	require.GreaterOrEqual(t, got.PairR, 0.8, "most faces of one person end in one person")
}
