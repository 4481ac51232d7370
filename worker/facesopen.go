package worker

import (
	"sync"

	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/tasks"
)

// FacesOptions says how a process loads its face models.
type FacesOptions struct {
	// Config is the face pipeline's configuration on the CPU; OpenFaces sets the CUDA device
	// when the models run on the GPU.
	Config faces.Config
	// CPULibrary and GPULibrary are the ONNX Runtime builds' libraries; empty means the default.
	CPULibrary, GPULibrary string
	// WantGPU is set when the faces queue is configured for the GPU (device: gpu).
	WantGPU bool
	// GPU is the process's pinned GPU; nil in CPU mode.
	GPU *gpu.Setup
	// RequireGPU refuses to load the models on the CPU when the GPU was asked for.
	RequireGPU bool
	// OnBatch, when set, is told the size of every batch the embedder runs (for metrics).
	OnBatch func(int)
	// Log gets the fallback warning and the line naming the build.
	Log zerolog.Logger
}

// OpenedFaces is the face pipeline of a process with the ONNX Runtime build under it.
type OpenedFaces struct {
	// Pipeline runs the models; it can be rebuilt after a GPU out-of-memory failure.
	Pipeline *SwappableFaces
	// Runtime is the ONNX Runtime the pipeline runs on.
	Runtime *ort.Runtime
	// Build is the ONNX Runtime build chosen, with the reason of a fallback to the CPU.
	Build ort.Build
	// Provider is where the first pipeline's sessions run: "CPU" or "CUDA:<id>".
	Provider string
}

// Close closes the pipeline, then the runtime.
func (f *OpenedFaces) Close() { f.Pipeline.Close(); f.Runtime.Close() }

// OpenFaces loads the face models on the ONNX Runtime build that fits: the GPU build when the
// faces queue runs on the pinned GPU and the CUDA provider has what it needs, else the CPU build,
// saying why in one warning (or refusing with RequireGPU). It logs one line with the build, the
// execution provider and the CUDA and cuDNN libraries, and marks the faces queue of the pinned
// GPU as running on the CPU when it does.
func OpenFaces(o FacesOptions) (*OpenedFaces, error) {
	queue := string(tasks.Faces)
	g := o.GPU
	req := ort.BuildRequest{CPULibrary: o.CPULibrary, GPULibrary: o.GPULibrary, GPU: g.OnGPU(queue), RequireGPU: o.RequireGPU}
	if g != nil {
		req.Driver, req.CUDAVersion, req.CUDADevice = g.Driver.Version, g.Driver.CUDAVersion, g.Ordinal
	}
	b, err := ort.ChooseBuild(req)
	if err != nil {
		return nil, err
	}
	if g == nil && o.WantGPU {
		// gpu.NewSetup has warned why; the one line below says it too.
		b.Fallback = "the faces queue asks for a GPU and this worker has none (no NVIDIA driver, no GPU, or --gpu cpu)"
	} else if b.Fallback != "" {
		o.Log.Warn().Str("fallback", b.Fallback).Msg("faces run on the CPU (set worker.require_gpu to refuse instead): " + b.Fallback)
	}
	rt, err := ort.Open(ort.Config{LibraryPath: b.Library, CUDAProvider: b.CUDAProvider}, o.Log)
	if err != nil {
		return nil, err
	}
	version := o.Config.Version()
	fc := o.Config
	fc.Batch.OnBatch = o.OnBatch
	if b.Name == ort.BuildGPU {
		fc.CUDADevice, fc.RequireGPU = g.Ordinal, o.RequireGPU
	}
	var once sync.Once
	f := &OpenedFaces{Runtime: rt, Build: b}
	f.Pipeline, err = NewSwappableFaces(func() (FacePipeline, error) {
		p, err := faces.New(rt, fc, o.Log)
		if err == nil {
			once.Do(func() { f.Provider = p.Provider() })
		}
		return p, err
	})
	if err != nil {
		rt.Close()
		return nil, err
	}
	if f.Provider == "CPU" {
		g.RunOnCPU(queue)
	}
	o.Log.Info().Str("build", b.Name).Str("onnxruntime", rt.Version()).Str("library", b.Library).
		Str("provider", f.Provider).Interface("cuda_libraries", b.CUDALibraries).
		Str("model_version", version).Msg(b.Describe(rt.Version(), f.Provider))
	return f, nil
}
