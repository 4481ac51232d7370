package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/writeback"
)

func (a *app) writebackCmd() *cobra.Command {
	var (
		derived, every, tier, version string
		dryRun, asJSON                bool
	)
	cmd := &cobra.Command{
		Use:   "writeback vlmph:DB",
		Short: "Write faces, persons, captions and video keyframes into a vlmPhotoHouse catalog",
		Long: `writeback writes what the results store holds for the catalog's active assets into that
vlmPhotoHouse catalog, the way its own tasks write it: face_detections with .npy embeddings and
256 px crops, persons with centroids, captions (older machine captions superseded), and
video_segments with their keyframe JPEGs, under the app's derived folder.

--derived is that folder as the catalog names it (E:/VLM_DATA/derived); path_map rules say
where this machine writes it. Suppressed assets, faces a person labelled, captions a person
edited and names a person gave are never touched. Running it again writes nothing new. With
--every it repeats until stopped, so results flow back as the fleet completes tasks.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.load(func(c *configs.Config) error {
				if derived != "" {
					c.Writeback.Derived = derived
				}
				if tier != "" {
					c.Writeback.QualityTier = tier
				}
				if every != "" {
					return setDuration(&c.Writeback.Every, every, "--every")
				}
				return nil
			})
			if err != nil {
				return err
			}
			path, ok := strings.CutPrefix(args[0], "vlmph:")
			if !ok || path == "" {
				return usageError{fmt.Errorf("%q: write the catalog as vlmph:PATH", args[0])}
			}
			pm, _ := catalog.ParsePathMap(cfg.PathMap)
			if mapped, matched := pm.Map(path); matched {
				path = mapped
			}
			d, err := writeback.NewDerived(cfg.Writeback.Derived, pm)
			if err != nil {
				return usageError{err}
			}
			_, st, err := a.loadStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			if version == "" {
				version = inference.FacesVersion(cfg)
			}
			o := writeback.Options{Catalog: path, Store: st, Derived: d, PathMap: pm, FacesVersion: version,
				CaptionsVersion: inference.CaptionsVersion(cfg), QualityTier: cfg.Writeback.QualityTier, DryRun: dryRun, Log: a.log}
			for {
				err := a.writebackOnce(cmd.Context(), o, asJSON)
				if cfg.Writeback.Every <= 0 {
					return err
				}
				if err != nil {
					// Repeating: a busy or unreachable catalog is tried again next time.
					a.log.Error().Err(err).Dur("every", cfg.Writeback.Every).Msg("write-back failed; trying again")
				}
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(cfg.Writeback.Every):
				}
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&derived, "derived", "", "the app's derived folder as its catalog names it, e.g. E:/VLM_DATA/derived (writeback.derived)")
	f.StringVar(&tier, "quality-tier", "", "quality_tier of the captions: fast, balanced or quality (default: from the model name)")
	f.StringVar(&every, "every", "", "repeat at this interval until stopped, e.g. 1m (writeback.every)")
	f.StringVar(&version, "model-version", "", "face model version whose faces and persons are written (default: the configured face model's)")
	f.BoolVar(&dryRun, "dry-run", false, "count what would be written and write nothing")
	f.BoolVar(&asJSON, "json", false, "print the summary as one JSON document")
	return cmd
}

func (a *app) writebackOnce(ctx context.Context, o writeback.Options, asJSON bool) error {
	if isTerminal(os.Stderr) && !asJSON {
		var (
			mu  sync.Mutex
			bar *progressbar.ProgressBar
		)
		o.Progress = func(done, total int, s writeback.Summary) {
			mu.Lock()
			defer mu.Unlock()
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionShowCount(),
					progressbar.OptionSetItsString("assets"), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
			}
			bar.Describe(fmt.Sprintf("writeback: %d faces, %d captions, %d segments", s.FacesAdded, s.CaptionsAdded+s.CaptionsUpdated, s.SegmentsAdded))
			_ = bar.Set(done)
		}
	}
	sum, err := writeback.Run(ctx, o)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if asJSON {
		return printJSON(sum)
	}
	verb := "wrote"
	if sum.DryRun {
		verb = "would write"
	}
	fmt.Printf("%s: %d active assets (%d not in the store); %s %d faces (%d kept from the catalog), %d face assignments, "+
		"%d persons created, %d updated, %d removed, %d named; %d captions added, %d updated, %d superseded (%d edited by a person left alone); "+
		"%d video segments added, %d removed (%d videos kept their own); %d files; %d errors\n",
		sum.Catalog, sum.Assets, sum.NotInStore, verb, sum.FacesAdded, sum.FacesKept, sum.FacesAssigned,
		sum.PersonsCreated, sum.PersonsUpdated, sum.PersonsRemoved, sum.PersonsNamed,
		sum.CaptionsAdded, sum.CaptionsUpdated, sum.CaptionsSuperseded, sum.CaptionsKeptEdited,
		sum.SegmentsAdded, sum.SegmentsRemoved, sum.VideosKept, sum.FilesWritten, sum.Errors)
	for _, e := range sum.ErrorSamples {
		fmt.Fprintln(os.Stderr, "  "+e)
	}
	return err
}
