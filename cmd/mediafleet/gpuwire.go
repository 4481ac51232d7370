package main

import (
	"context"

	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/worker"
)

// pinGPU pins the worker to the GPU the config asks for (nil: CPU mode); gpu.Pin decides.
func (a *app) pinGPU(ctx context.Context, cfg *configs.Config) (*gpu.Pinned, error) {
	var queues []gpu.QueueNeed
	for _, n := range cfg.QueueNames() {
		if q := cfg.Queues[n]; q.Device == "gpu" {
			queues = append(queues, gpu.QueueNeed{Queue: n, NeedMiB: int64(q.VRAMMiB)})
		}
	}
	return gpu.Pin(ctx, gpu.PinConfig{Spec: cfg.Worker.GPU, Queues: queues, RequireGPU: cfg.Worker.RequireGPU, Log: a.log})
}

// openFaces loads the face models of cfg on the build and device that worker.OpenFaces chooses.
func (a *app) openFaces(cfg *configs.Config, g *gpu.Pinned, onBatch func(int)) (*worker.OpenedFaces, error) {
	return worker.OpenFaces(worker.FacesOptions{Config: inference.Faces(cfg), CPULibrary: cfg.Faces.ORTLib,
		GPULibrary: cfg.Faces.ORTGPULib, WantGPU: cfg.Queues["faces"].Device == "gpu", GPU: g,
		RequireGPU: cfg.Worker.RequireGPU, OnBatch: onBatch, Log: a.log})
}
