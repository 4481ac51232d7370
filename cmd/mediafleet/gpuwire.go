package main

import (
	"context"

	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/worker"
)

// gpuHeadroomMiB is the GPU memory admission leaves free for fragmentation and other processes.
const gpuHeadroomMiB = 256

// setupGPU resolves the worker's GPU for the queues configured with device: gpu (the policy is
// gpu.NewSetup's). A nil *gpu.Setup is CPU mode.
func (a *app) setupGPU(ctx context.Context, cfg *configs.Config) (*gpu.Setup, error) {
	needs := map[string]int64{}
	for _, n := range cfg.QueueNames() {
		if q := cfg.Queues[n]; q.Device == "gpu" {
			needs[n] = int64(q.VRAMMiB)
		}
	}
	return gpu.NewSetup(ctx, gpu.SetupConfig{Spec: cfg.Worker.GPU, Queues: needs, RequireGPU: cfg.Worker.RequireGPU,
		HeadroomMiB: gpuHeadroomMiB, Log: a.log})
}

// openFaces loads the face models of cfg on the build and device that worker.OpenFaces chooses.
func (a *app) openFaces(cfg *configs.Config, g *gpu.Setup, onBatch func(int)) (*worker.OpenedFaces, error) {
	return worker.OpenFaces(worker.FacesOptions{Config: inference.Faces(cfg), CPULibrary: cfg.Faces.ORTLib,
		GPULibrary: cfg.Faces.ORTGPULib, WantGPU: cfg.Queues["faces"].Device == "gpu", GPU: g,
		RequireGPU: cfg.Worker.RequireGPU, OnBatch: onBatch, Log: a.log})
}
