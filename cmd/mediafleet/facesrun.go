package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/ort"
)

// facesRunDoc is what `faces run --json` prints; scripts/gpu-check.sh reads it.
type facesRunDoc struct {
	Build           string            `json:"build"`
	ONNXRuntime     string            `json:"onnxruntime"`
	Library         string            `json:"library"`
	Provider        string            `json:"provider"`
	GPU             *gpu.DeviceInfo   `json:"gpu,omitempty"`
	CUDALibraries   []ort.CUDALibrary `json:"cuda_libraries"`
	Fallback        string            `json:"fallback,omitempty"`
	Photos          int               `json:"photos"`
	Images          int               `json:"images"` // photos times --repeat, the timed runs
	Faces           int               `json:"faces"`  // found in one pass over the photos
	Seconds         float64           `json:"seconds"`
	ImagesPerSecond float64           `json:"images_per_second"`
	Results         []faces.FileFaces `json:"results"` // one pass, in the order of the photos
}

// facesRunCmd finds and embeds the faces of photos in this process, without queues or store, on
// the device the config or --device names: the quickest way to see which ONNX Runtime build,
// execution provider and CUDA libraries a worker would get, and how fast it goes.
func (a *app) facesRunCmd() *cobra.Command {
	var (
		device, spec           string
		require                bool
		concurrency, repeat    int
		asJSON, withEmbeddings bool
	)
	cmd := &cobra.Command{
		Use:   "run PATH...",
		Short: "Find and embed the faces of photos here and now (no queue, no store), on the CPU or the GPU, and time it",
		Long: `run loads the face models as a worker would (same settings, same choice of ONNX Runtime build
and device), passes once over the photos (files, or folders searched for photos) without timing
it, then --repeat times with --concurrency photos in flight, and reports images per second. With
--json it prints one document with the build, execution provider, CUDA libraries, timing and, for
the untimed pass, every face (with its embedding when --embeddings is set).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.load(func(c *configs.Config) error {
				q := c.Queues["faces"]
				if device != "" {
					q.Device = device
				}
				if concurrency > 0 {
					q.Concurrency = concurrency
				}
				c.Queues = map[string]configs.QueueConfig{"faces": q}
				if cmd.Flags().Changed("gpu") {
					c.Worker.GPU = spec
				}
				if cmd.Flags().Changed("require-gpu") {
					c.Worker.RequireGPU = require
				}
				if repeat < 1 {
					return fmt.Errorf("--repeat %d must be 1 or more", repeat)
				}
				return nil
			})
			if err != nil {
				return err
			}
			photos, err := catalog.Photos(args)
			if err != nil {
				return usageError{err}
			}
			doc, err := a.runFaces(cmd.Context(), cfg, photos, repeat)
			if err != nil {
				return err
			}
			if asJSON {
				if !withEmbeddings {
					for i := range doc.Results {
						for j := range doc.Results[i].Faces {
							doc.Results[i].Faces[j].Embedding = nil
						}
					}
				}
				return printJSON(doc)
			}
			fmt.Printf("%d photos, %d faces; %d images in %.2fs: %.1f images/s on %s (%s build, ONNX Runtime %s)\n",
				doc.Photos, doc.Faces, doc.Images, doc.Seconds, doc.ImagesPerSecond, doc.Provider, doc.Build, doc.ONNXRuntime)
			for _, r := range doc.Results {
				if r.Error != "" {
					fmt.Printf("%s: %s\n", r.Path, r.Error)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&device, "device", "", "cpu or gpu (default: the faces queue's device)")
	f.StringVar(&spec, "gpu", "", "GPU: an index, GPU-<uuid> or auto (default: worker.gpu, else auto)")
	f.BoolVar(&require, "require-gpu", false, "refuse to run when the GPU cannot be used (default: worker.require_gpu)")
	f.IntVar(&concurrency, "concurrency", 0, "photos in flight at once (default: the faces queue's concurrency)")
	f.IntVar(&repeat, "repeat", 1, "timed passes over the photos")
	f.BoolVar(&asJSON, "json", false, "print one JSON document")
	f.BoolVar(&withEmbeddings, "embeddings", false, "with --json, include every face's embedding")
	return cmd
}

func (a *app) runFaces(ctx context.Context, cfg *configs.Config, photos []string, repeat int) (*facesRunDoc, error) {
	g, err := a.setupGPU(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	fr, err := a.openFaces(cfg, g, nil)
	if err != nil {
		return nil, err
	}
	defer fr.Close()
	t, err := faces.TimeFiles(ctx, fr.Pipeline, photos, cfg.Queues["faces"].Concurrency, repeat)
	doc := &facesRunDoc{Build: fr.Build.Name, ONNXRuntime: fr.Runtime.Version(), Library: fr.Build.Library,
		Provider: fr.Provider, CUDALibraries: fr.Build.CUDALibraries, Fallback: fr.Build.Fallback,
		Photos: len(photos), Images: t.Images, Faces: t.Faces, Seconds: t.Seconds, ImagesPerSecond: t.ImagesPerSecond,
		Results: t.Results}
	if g.OnGPU("faces") {
		doc.GPU = &g.Dev
	}
	return doc, err
}
