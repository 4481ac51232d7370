package main

import (
	"sync"

	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/worker"
)

// openedFaces is the face pipeline of a process with the ONNX Runtime build under it.
type openedFaces struct {
	pipeline *worker.SwappableFaces
	rt       *ort.Runtime
	build    ort.Build
	provider string // where the first pipeline's sessions run: "CPU" or "CUDA:<id>"
}

func (f *openedFaces) close() { f.pipeline.Close(); f.rt.Close() }

// openFaces loads the face models on the ONNX Runtime build that fits: the GPU build when the
// faces queue runs on the pinned GPU and the CUDA provider has what it needs, else the CPU build,
// saying why in one warning (or refusing with require_gpu). It logs one line with the build, the
// execution provider and the CUDA and cuDNN libraries, and marks the queue as running on the CPU
// when it does.
func (a *app) openFaces(cfg *configs.Config, g *gpu.Setup, onBatch func(int)) (*openedFaces, error) {
	req := ort.BuildRequest{CPULibrary: cfg.Faces.ORTLib, GPULibrary: cfg.Faces.ORTGPULib,
		GPU: g.OnGPU("faces"), RequireGPU: cfg.Worker.RequireGPU}
	if g != nil {
		req.Driver, req.CUDAVersion, req.CUDADevice = g.Driver.Version, g.Driver.CUDAVersion, g.Ordinal
	}
	b, err := ort.ChooseBuild(req)
	if err != nil {
		return nil, err
	}
	if g == nil && cfg.Queues["faces"].Device == "gpu" {
		// setupGPU has warned why; the one line below says it too.
		b.Fallback = "the faces queue asks for a GPU and this worker has none (no NVIDIA driver, no GPU, or --gpu cpu)"
	} else if b.Fallback != "" {
		a.log.Warn().Str("fallback", b.Fallback).Msg("faces run on the CPU (set worker.require_gpu to refuse instead): " + b.Fallback)
	}
	rt, err := ort.Open(ort.Config{LibraryPath: b.Library, CUDAProvider: b.CUDAProvider}, a.log)
	if err != nil {
		return nil, err
	}
	fc := inference.Faces(cfg)
	fc.Batch.OnBatch = onBatch
	if b.Name == ort.BuildGPU {
		fc.CUDADevice, fc.RequireGPU = g.Ordinal, cfg.Worker.RequireGPU
	}
	var once sync.Once
	f := &openedFaces{rt: rt, build: b}
	f.pipeline, err = worker.NewSwappableFaces(func() (worker.FacePipeline, error) {
		p, err := faces.New(rt, fc, a.log)
		if err == nil {
			once.Do(func() { f.provider = p.Provider() })
		}
		return p, err
	})
	if err != nil {
		rt.Close()
		return nil, err
	}
	if f.provider == "CPU" {
		g.RunOnCPU("faces")
	}
	a.log.Info().Str("build", b.Name).Str("onnxruntime", rt.Version()).Str("library", b.Library).
		Str("provider", f.provider).Interface("cuda_libraries", b.CUDALibraries).
		Str("model_version", inference.FacesVersion(cfg)).Msg(b.Describe(rt.Version(), f.provider))
	return f, nil
}
