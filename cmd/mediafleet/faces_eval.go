package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/inference/faces/faceeval"
	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/internal/cachedir"
)

func (a *app) facesEvalCmd() *cobra.Command {
	var (
		asJSON bool
		dir    string
	)
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Precision and recall of face detection on the labelled evaluation set, before and after",
		Long: `eval runs face detection over the labelled evaluation set (pictures from Debian packages that
the setup task fetches, plus 4000x3000 group photos composed from them with faces 48 to 160
pixels wide) with the configured settings ("after") and with the single pass and no second
check ("before"), and prints precision and recall per category.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.load(nil)
			if err != nil {
				return err
			}
			work, err := os.MkdirTemp("", "mediafleet-eval-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(work)
			set, err := faceeval.Load(dir, work)
			if err != nil {
				return err
			}
			rt, err := ort.Open(ort.Config{LibraryPath: cfg.Faces.ORTLib}, a.log)
			if err != nil {
				return err
			}
			defer rt.Close()
			after := inference.Faces(cfg)
			reps, err := faceeval.Compare(cmd.Context(), rt, set, faceeval.Before(after), after)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(map[string]any{"before": reps[0], "after": reps[1]})
			}
			fmt.Print(faceeval.Table([]string{"before", "after"}, reps))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	cmd.Flags().StringVar(&dir, "set", filepath.Join(cachedir.CacheDir(), "evalset"), "folder of the evaluation pictures")
	return cmd
}
