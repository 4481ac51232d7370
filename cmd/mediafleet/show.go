package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/configs"
)

func (a *app) showCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show PATH",
		Short: "Print what the results store holds for one file: keyframes, faces, captions",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, st, err := a.loadStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			v, err := lookupAsset(cmd.Context(), st, cfg.PathMap, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(v)
			}
			printAsset(v)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	return cmd
}

// loadStore loads the configuration and opens its results store, for the commands that only
// read results.
func (a *app) loadStore(cmd *cobra.Command) (*configs.Config, store.Store, error) {
	cfg, err := a.load(nil)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(cmd.Context(), cfg.StorePath())
	if err != nil {
		return nil, nil, err
	}
	return cfg, st, nil
}

// lookupAsset finds a file in the store by the path given, its absolute form, or its mapped form.
func lookupAsset(ctx context.Context, st store.Store, rules []string, path string) (*store.AssetView, error) {
	candidates := []string{path}
	if abs, err := filepath.Abs(path); err == nil {
		candidates = append(candidates, abs)
	}
	if pm, err := catalog.ParsePathMap(rules); err == nil {
		candidates = append(candidates, pm.Apply(path))
	}
	for _, p := range candidates {
		v, err := st.Show(ctx, p)
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%s is not in the store: enqueue its catalog and run a worker first", path)
}

func printAsset(v *store.AssetView) {
	fmt.Printf("%s\n  key %s  media %s  size %d\n", v.Path, v.Key, v.Media, v.Size)
	if v.Video != nil {
		fmt.Printf("  video: %.2f s, %.2f fps, %dx%d\n", v.Video.DurationSec, v.Video.FPS, v.Video.Width, v.Video.Height)
	}
	if len(v.Keyframes) > 0 {
		fmt.Printf("  keyframes: %d\n", len(v.Keyframes))
		for _, k := range v.Keyframes {
			fmt.Printf("    %4d  %8.3f s  %dx%d  %s\n", k.Index, k.Timestamp, k.Width, k.Height, k.Path)
		}
	}
	for _, s := range v.FaceScans {
		fmt.Printf("  faces in frame %d (%s): %d\n", s.Frame, s.ModelVersion, s.Count)
	}
	for _, f := range v.Faces {
		fmt.Printf("    frame %d face %d  score %.2f  box [%.0f %.0f %.0f %.0f]  %d-d embedding\n",
			f.Frame, f.Index, f.Score, f.BBox[0], f.BBox[1], f.BBox[2], f.BBox[3], f.Dim)
	}
	for _, c := range v.Captions {
		fmt.Printf("  caption frame %d (%s): %s\n", c.Frame, c.Model, c.Text)
	}
}
