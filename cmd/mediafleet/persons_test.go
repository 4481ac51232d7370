package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/tasks"
)

type personDoc struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	FaceCount int    `json:"face_count"`
	Sample    string `json:"sample"`
	Faces     []struct {
		AssetKey string `json:"asset_key"`
		Frame    int    `json:"frame"`
		Index    int    `json:"index"`
		Path     string `json:"path"`
		Source   string `json:"source"`
	} `json:"faces"`
}

// TestPersonsCLI: cluster, list, show, name, assign and merge as a person uses them.
func TestPersonsCLI(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	spec := filepath.Join(t.TempDir(), "results.db")
	e.extra = []string{"MEDIAFLEET_STORE=" + spec}
	st := storetest.OpenSpec(t, spec)
	r := rand.New(rand.NewPCG(3, 3))
	unit := func(c []float32, noise float64) []float32 {
		v := make([]float32, 64)
		var s float64
		for i := range v {
			x := r.NormFloat64()
			if c != nil {
				x = float64(c[i]) + noise*x
			}
			v[i], s = float32(x), s+x*x
		}
		for i := range v {
			v[i] = float32(float64(v[i]) / math.Sqrt(s))
		}
		return v
	}
	centres := [][]float32{unit(nil, 0), unit(nil, 0)}
	for i := range 8 {
		path := fmt.Sprintf("/photos/%s-%d.jpg", []string{"ada", "bob"}[i%2], i)
		key := tasks.AssetKey("", path, 1, 1)
		require.NoError(t, st.UpsertAsset(t.Context(), store.Asset{Key: key, Path: path, Media: "image"}))
		emb := unit(centres[i%2], 0.02)
		require.NoError(t, st.PutFaces(t.Context(), store.FacesResult{AssetKey: key, ModelVersion: "t1", Image: path,
			Faces: []store.Face{{Embedding: emb, Dim: len(emb), BBox: [4]float32{1, 1, 9, 9}}}}))
	}

	var sum struct {
		Faces, Created, Persons int
	}
	e.json(&sum, "persons", "cluster", "--model-version", "t1")
	require.Equal(t, 8, sum.Faces)
	require.Equal(t, 2, sum.Created)
	var list []personDoc
	e.json(&list, "persons", "list", "--model-version", "t1")
	require.Len(t, list, 2)
	require.Equal(t, 4, list[0].FaceCount)
	ada := list[0]
	if !strings.Contains(ada.Sample, "ada") {
		ada = list[1]
	}
	out := e.must("persons", "list", "--model-version", "t1")
	require.Contains(t, out, "ID  NAME  FACES  SAMPLE")

	e.must("persons", "name", fmt.Sprint(ada.ID), "Ada Lovelace")
	var one personDoc
	e.json(&one, "persons", "show", fmt.Sprint(ada.ID))
	require.Equal(t, "Ada Lovelace", one.Name)
	require.Len(t, one.Faces, 4)
	for _, f := range one.Faces {
		require.Contains(t, f.Path, "/photos/ada-")
	}
	require.Contains(t, e.must("persons", "show", fmt.Sprint(ada.ID)), "person "+fmt.Sprint(ada.ID)+" Ada Lovelace: 4 faces")

	// A face taken out by hand stays out, also after another pass.
	face := fmt.Sprintf("%s:%d:%d", one.Faces[0].AssetKey, one.Faces[0].Frame, one.Faces[0].Index)
	e.must("persons", "assign", face, "none", "--model-version", "t1")
	e.must("persons", "cluster", "--model-version", "t1")
	e.json(&one, "persons", "show", fmt.Sprint(ada.ID))
	require.Len(t, one.Faces, 3)

	// Merge Bob into Ada: one person of 7 faces.
	bob := list[0].ID + list[1].ID - ada.ID
	e.must("persons", "merge", fmt.Sprint(ada.ID), fmt.Sprint(bob))
	e.json(&list, "persons", "list", "--model-version", "t1")
	require.Len(t, list, 1)
	require.Equal(t, 7, list[0].FaceCount)

	// Mistakes are refused with a sentence.
	_, errOut, err := e.run("persons", "show", "abc")
	require.Error(t, err)
	require.Contains(t, errOut, "person id")
	_, errOut, err = e.run("persons", "assign", "nonsense", "new", "--model-version", "t1")
	require.Error(t, err)
	require.Contains(t, errOut, "<asset key>:<frame>:<index>")
	_, errOut, err = e.run("persons", "show", "999")
	require.Error(t, err)
	require.Contains(t, errOut, "not in the store")
}
