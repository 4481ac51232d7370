package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/ort"
)

// faceMatch is one stored face similar to a face of the query photo; its JSON is the contract
// of `faces similar --json`.
type faceMatch struct {
	QueryFace int        `json:"query_face"`
	Path      string     `json:"path"`
	Frame     int        `json:"frame"`
	Face      int        `json:"face"`
	Score     float32    `json:"score"`
	BBox      [4]float32 `json:"bbox"`
}

func (a *app) facesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "faces", Short: "Work with the stored faces"}
	var (
		top    int
		asJSON bool
	)
	similar := &cobra.Command{
		Use:   "similar PATH",
		Short: "The stored faces most similar (cosine) to the faces in one photo",
		Long: `similar takes the faces of PATH from the store when it holds them, else finds them with the
face models, and prints for each the --top most similar stored faces of the same model version
(brute force over the store).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, st, err := a.loadStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			matches, err := a.similarFaces(cmd.Context(), cfg, st, args[0], top)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(map[string]any{"path": args[0], "matches": matches})
			}
			if len(matches) == 0 {
				fmt.Println("no similar faces in the store")
			}
			for _, m := range matches {
				fmt.Printf("face %d  %.3f  %s  frame %d face %d\n", m.QueryFace, m.Score, m.Path, m.Frame, m.Face)
			}
			return nil
		},
	}
	similar.Flags().IntVar(&top, "top", 5, "matches per face of the photo")
	similar.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	cmd.AddCommand(similar, a.facesRunCmd(), a.facesEvalCmd())
	return cmd
}

type queryFace struct {
	key       string
	frame     int
	index     int
	embedding []float32
}

func (a *app) similarFaces(ctx context.Context, cfg *configs.Config, st store.Store, path string, top int) ([]faceMatch, error) {
	version := inference.FacesVersion(cfg)
	var query []queryFace
	if v, err := lookupAsset(ctx, st, candidates(cfg.PathMap, path)); err == nil {
		err := st.EachFace(ctx, version, func(r store.FaceRow) error {
			if r.AssetKey == v.Key {
				query = append(query, queryFace{key: r.AssetKey, frame: r.Frame, index: r.Index, embedding: r.Embedding})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(query) == 0 {
		found, err := a.embedFile(ctx, cfg, path)
		if err != nil {
			return nil, err
		}
		query = found
	}
	best := make([][]faceMatch, len(query))
	err := st.EachFace(ctx, version, func(r store.FaceRow) error {
		for qi, q := range query {
			if r.AssetKey == q.key && r.Frame == q.frame && r.Index == q.index {
				continue // the face itself
			}
			m := faceMatch{QueryFace: qi, Path: r.Path, Frame: r.Frame, Face: r.Index, BBox: r.BBox,
				Score: faces.Cosine(q.embedding, r.Embedding)}
			best[qi] = keepTop(best[qi], m, top)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := []faceMatch{}
	for _, b := range best {
		out = append(out, b...)
	}
	return out, nil
}

// keepTop inserts m into the list sorted by score, keeping the best n.
func keepTop(list []faceMatch, m faceMatch, n int) []faceMatch {
	i := sort.Search(len(list), func(i int) bool { return list[i].Score < m.Score })
	if i >= n {
		return list
	}
	list = append(list, faceMatch{})
	copy(list[i+1:], list[i:])
	list[i] = m
	if len(list) > n {
		list = list[:n]
	}
	return list
}

// embedFile finds and embeds the faces of a file that the store does not hold.
func (a *app) embedFile(ctx context.Context, cfg *configs.Config, path string) ([]queryFace, error) {
	rt, err := ort.Open(ort.Config{LibraryPath: cfg.Faces.ORTLib}, a.log)
	if err != nil {
		return nil, err
	}
	defer rt.Close()
	p, err := faces.New(rt, inference.Faces(cfg), a.log)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	res, err := p.ProcessFile(ctx, path)
	if err != nil {
		return nil, err
	}
	if len(res.Faces) == 0 {
		return nil, fmt.Errorf("%s: no face found", path)
	}
	out := make([]queryFace, len(res.Faces))
	for i, f := range res.Faces {
		out[i] = queryFace{key: "", frame: -1, index: i, embedding: f.Embedding}
	}
	return out, nil
}
