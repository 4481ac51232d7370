package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/gpu"
)

// gpuSetup is a worker's GPU: the provider that reads it, the pinned device and its driver, the
// CUDA ordinal ONNX Runtime gets, and the VRAM admission of its GPU queues. A nil *gpuSetup is
// CPU mode.
type gpuSetup struct {
	provider  gpu.Provider
	dev       gpu.DeviceInfo
	driver    gpu.Driver
	ordinal   int
	admission *gpu.Admission
	onCPU     map[string]bool // GPU queues that fell back to the CPU, with the reason logged
}

// gpuHeadroomMiB is the GPU memory admission leaves free for fragmentation and other processes.
const gpuHeadroomMiB = 256

// gpuQueues lists the queues configured with device: gpu.
func gpuQueues(cfg *configs.Config) []string {
	var out []string
	for _, n := range cfg.QueueNames() {
		if cfg.Queues[n].Device == "gpu" {
			out = append(out, n)
		}
	}
	return out
}

// setupGPU resolves the worker's GPU. Without a driver, GPU queues run on the CPU with one
// warning, unless require_gpu is set: then the worker refuses to start. A GPU asked for and not
// found refuses to start, naming the GPUs that are there.
func (a *app) setupGPU(ctx context.Context, cfg *configs.Config) (*gpuSetup, error) {
	queues := gpuQueues(cfg)
	spec := strings.TrimSpace(cfg.Worker.GPU)
	if len(queues) == 0 && (spec == "" || spec == "cpu") {
		return nil, nil
	}
	if spec == "" {
		spec = "auto"
	}
	p, err := gpu.Open(a.log)
	if err != nil {
		if !errors.Is(err, gpu.ErrNoDriver) {
			return nil, fmt.Errorf("reading the GPUs: %w", err)
		}
		if cfg.Worker.RequireGPU {
			return nil, fmt.Errorf("queues %s need a GPU (device: gpu) and require_gpu is set, but %v: install the NVIDIA driver, or set require_gpu: false to run them on the CPU",
				strings.Join(queues, ", "), err)
		}
		a.log.Warn().Strs("queues", queues).Msg("no NVIDIA driver found: these GPU queues run on the CPU (set worker.require_gpu to refuse instead)")
		return nil, nil
	}
	dev, err := gpu.Resolve(ctx, p, spec)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("--gpu %s: %w", spec, err)
	}
	if !dev.IsGPU() {
		p.Close()
		return nil, nil
	}
	ordinal, err := gpu.PinProcess(dev)
	if err != nil {
		p.Close()
		return nil, err
	}
	needs := map[string]int64{}
	for _, q := range queues {
		needs[q] = int64(cfg.Queues[q].VRAMMiB)
	}
	if err := gpu.CheckFits(dev, gpuHeadroomMiB, needs); err != nil {
		p.Close()
		return nil, err
	}
	adm, err := gpu.NewAdmission(gpu.AdmissionConfig{Provider: p, UUID: dev.UUID, HeadroomMiB: gpuHeadroomMiB})
	if err != nil {
		p.Close()
		return nil, err
	}
	drv, err := gpu.DriverOf(p)
	if err != nil {
		a.log.Warn().Err(err).Msg("the NVIDIA driver's version could not be read")
	}
	a.log.Info().Str("gpu", dev.String()).Int64("free_mib", dev.FreeMiB()).Strs("queues", queues).
		Str("driver", drv.Version).Str("driver_cuda", drv.CUDAVersion).Msg("pinned to GPU")
	return &gpuSetup{provider: p, dev: dev, driver: drv, ordinal: ordinal, admission: adm, onCPU: map[string]bool{}}, nil
}

// onGPU tells whether a queue runs on the pinned GPU.
func (g *gpuSetup) onGPU(cfg *configs.Config, queue string) bool {
	return g != nil && cfg.Queues[queue].Device == "gpu" && !g.onCPU[queue]
}

// runOnCPU records that a GPU queue runs on the CPU after all (its backend could not use the
// GPU and said why); it is called while the worker is built, before the queues run.
func (g *gpuSetup) runOnCPU(queue string) {
	if g != nil {
		g.onCPU[queue] = true
	}
}

// device names where a queue's tasks run, for the registry.
func (g *gpuSetup) device(cfg *configs.Config, queue string) string {
	if g.onGPU(cfg, queue) {
		return g.dev.UUID
	}
	return "cpu"
}

func (g *gpuSetup) close() {
	if g != nil {
		g.provider.Close()
	}
}
