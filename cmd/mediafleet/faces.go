package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/facesearch"
	"github.com/mediafleet/mediafleet/inference/ort"
)

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

// similarFaces finds the faces of the file at path (those the store holds, else with the
// face models) and their nearest stored faces.
func (a *app) similarFaces(ctx context.Context, cfg *configs.Config, st store.Store, path string, top int) ([]facesearch.Match, error) {
	pm, _ := catalog.ParsePathMap(cfg.PathMap)
	v, err := store.ShowFirst(ctx, st, pm.Candidates(path))
	if err != nil {
		v = nil // not in the store: its faces are found in the file
	}
	return facesearch.Similar(ctx, st, inference.FacesVersion(cfg), v, path, func(ctx context.Context, path string) ([]facesearch.Query, error) {
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
		return facesearch.FileQueries(ctx, p, path)
	}, top)
}
