package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/internal/queuectl"
	"github.com/mediafleet/mediafleet/internal/redisconn"
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
			pm, _ := catalog.ParsePathMap(cfg.PathMap)
			paths := pm.Candidates(args[0])
			v, err := store.ShowFirst(cmd.Context(), st, paths)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			failed := failuresOf(cmd.Context(), cfg, paths)
			switch {
			case v == nil && len(failed) == 0:
				return fmt.Errorf("%s is not in the store: enqueue its catalog and run a worker first", args[0])
			case asJSON:
				return printJSON(showResult{AssetView: v, Path: shownPath(v, args[0]), Archived: failed})
			case v == nil:
				return fmt.Errorf("%s is not in the store: its tasks failed and were archived\n%s", args[0], failureLines(failed))
			}
			printAsset(v)
			if len(failed) > 0 {
				fmt.Print(failureLines(failed))
			}
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

// showResult is `show --json`: the stored results (absent when there are none) and the
// archived tasks of the file, each with its reason.
type showResult struct {
	*store.AssetView
	Path     string             `json:"path"`
	Archived []queuectl.Failure `json:"archived,omitempty"`
}

// failuresOf lists the archived tasks of the file; none when Redis cannot be reached (show
// then tells what the store holds, as before).
func failuresOf(ctx context.Context, cfg *configs.Config, paths []string) []queuectl.Failure {
	if redisconn.CheckRedis(ctx, cfg.RedisURL) != nil {
		return nil
	}
	opt, err := redisconn.ParseRedisURL(cfg.RedisURL)
	if err != nil {
		return nil
	}
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	failed, _ := queuectl.New(insp, cfg.QueuePrefix).FailuresOf(ctx, paths...)
	return failed
}

// failureLines prints each archived task with its reason and how to run it again.
func failureLines(failed []queuectl.Failure) string {
	var b strings.Builder
	kinds := map[string]bool{}
	for _, f := range failed {
		what := f.Kind
		if f.Frame > 0 {
			what += fmt.Sprintf(" of frame %d", f.Frame)
		}
		fmt.Fprintf(&b, "  %s failed (%s): %s\n", what, f.FailedAt.Local().Format(time.DateTime), f.Reason)
		kinds[f.Kind] = true
	}
	for k := range kinds {
		fmt.Fprintf(&b, "  after fixing the cause, `mediafleet queues retry-archived %s` runs it again\n", k)
	}
	return b.String()
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

// shownPath is the stored path of the file when the store knows it, else the path given.
func shownPath(v *store.AssetView, given string) string {
	if v != nil {
		return v.Path
	}
	return given
}
