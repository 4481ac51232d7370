package gpu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// DefaultHeadroomMiB is the GPU memory a worker's admission leaves free for fragmentation and
// other processes.
const DefaultHeadroomMiB = 256

// PinConfig says what a worker process asks of the GPU.
type PinConfig struct {
	// Spec is the --gpu value: an NVML index, GPU-<uuid>, auto, cpu, or "" (auto when a queue
	// needs a GPU, else CPU mode).
	Spec string
	// Queues are the queues configured for the GPU (device: gpu), in the order messages list
	// them, each with the memory one of its tasks needs.
	Queues []QueueNeed
	// RequireGPU refuses to start when the GPU queues cannot get a GPU, instead of running them
	// on the CPU.
	RequireGPU bool
	// HeadroomMiB is what admission keeps free; 0 means [DefaultHeadroomMiB].
	HeadroomMiB int64
	// Log gets the one warning of a fallback to the CPU and the line naming the pinned GPU.
	Log zerolog.Logger
	// Open reads the GPUs; nil means [Open] (NVML). Tests pass one that returns a [Fake].
	Open func(zerolog.Logger) (Provider, error)
	// PinProcess points this process's CUDA at the GPU and returns its CUDA ordinal; nil means
	// [PinProcess].
	PinProcess func(DeviceInfo) (int, error)
}

// QueueNeed is one GPU queue and the memory one of its tasks needs.
type QueueNeed struct {
	Queue   string
	NeedMiB int64
}

// Pinned is a worker's GPU: the provider that reads it, the pinned device and its driver, the
// CUDA ordinal ONNX Runtime gets, and the VRAM admission of its GPU queues. A nil *Pinned is
// CPU mode: every queue runs on the CPU.
type Pinned struct {
	// Provider reads the pinned GPU (telemetry, admission).
	Provider Provider
	// Device is the pinned GPU as read at start.
	Device DeviceInfo
	// Driver is the NVIDIA driver behind it (zero when it could not be read).
	Driver Driver
	// Ordinal is the pinned GPU's CUDA ordinal in this process (device_id for ONNX Runtime).
	Ordinal int
	// Admission admits GPU tasks while the GPU's free memory covers them.
	Admission *Admission

	queues map[string]int64
	mu     sync.Mutex
	onCPU  map[string]bool // GPU queues that fell back to the CPU, with the reason logged
}

// Pin resolves a worker's GPU. With no GPU queue and no GPU asked for it returns nil (CPU mode)
// without reading the GPUs. Without a driver, GPU queues run on the CPU with one warning, unless
// RequireGPU is set: then it refuses, saying what to install or change. A GPU asked for and not
// found is refused, naming the GPUs that are there; so is a queue whose tasks need more memory
// than the GPU can ever give one.
func Pin(ctx context.Context, cfg PinConfig) (*Pinned, error) {
	queues := make([]string, 0, len(cfg.Queues))
	needs := make(map[string]int64, len(cfg.Queues))
	for _, q := range cfg.Queues {
		queues = append(queues, q.Queue)
		needs[q.Queue] = q.NeedMiB
	}
	spec := strings.TrimSpace(cfg.Spec)
	if len(queues) == 0 && (spec == "" || spec == "cpu") {
		return nil, nil
	}
	if spec == "" {
		spec = "auto"
	}
	open, pin := cfg.Open, cfg.PinProcess
	if open == nil {
		open = Open
	}
	if pin == nil {
		pin = PinProcess
	}
	headroom := cfg.HeadroomMiB
	if headroom == 0 {
		headroom = DefaultHeadroomMiB
	}
	p, err := open(cfg.Log)
	if err != nil {
		if !errors.Is(err, ErrNoDriver) {
			return nil, fmt.Errorf("reading the GPUs: %w", err)
		}
		if cfg.RequireGPU {
			return nil, fmt.Errorf("queues %s need a GPU (device: gpu) and require_gpu is set, but %v: install the NVIDIA driver, or set require_gpu: false to run them on the CPU",
				strings.Join(queues, ", "), err)
		}
		cfg.Log.Warn().Strs("queues", queues).Msg("no NVIDIA driver found: these GPU queues run on the CPU (set worker.require_gpu to refuse instead)")
		return nil, nil
	}
	dev, err := Resolve(ctx, p, spec)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("--gpu %s: %w", spec, err)
	}
	if !dev.IsGPU() {
		p.Close()
		return nil, nil
	}
	ordinal, err := pin(dev)
	if err != nil {
		p.Close()
		return nil, err
	}
	if err := CheckFits(dev, headroom, needs); err != nil {
		p.Close()
		return nil, err
	}
	adm, err := NewAdmission(AdmissionConfig{Provider: p, UUID: dev.UUID, HeadroomMiB: headroom})
	if err != nil {
		p.Close()
		return nil, err
	}
	drv, err := DriverOf(p)
	if err != nil {
		cfg.Log.Warn().Err(err).Msg("the NVIDIA driver's version could not be read")
	}
	cfg.Log.Info().Str("gpu", dev.String()).Int64("free_mib", dev.FreeMiB()).Strs("queues", queues).
		Str("driver", drv.Version).Str("driver_cuda", drv.CUDAVersion).Msg("pinned to GPU")
	return &Pinned{Provider: p, Device: dev, Driver: drv, Ordinal: ordinal, Admission: adm,
		queues: needs, onCPU: map[string]bool{}}, nil
}

// OnGPU tells whether a queue runs on the pinned GPU: it is configured for the GPU and its
// backend has not fallen back to the CPU.
func (g *Pinned) OnGPU(queue string) bool {
	if g == nil {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.queues[queue]
	return ok && !g.onCPU[queue]
}

// NeedMiB is the memory one task of a GPU queue needs (0 for any other queue).
func (g *Pinned) NeedMiB(queue string) int64 {
	if g == nil {
		return 0
	}
	return g.queues[queue]
}

// RunOnCPU records that a GPU queue runs on the CPU after all (its backend could not use the
// GPU and said why); call it while the worker is built, before the queues run.
func (g *Pinned) RunOnCPU(queue string) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.onCPU[queue] = true
}

// DeviceOf names where a queue's tasks run, as the registry shows it: the GPU's UUID or "cpu".
func (g *Pinned) DeviceOf(queue string) string {
	if g.OnGPU(queue) {
		return g.Device.UUID
	}
	return "cpu"
}

// Telemetry reads the pinned GPU now (memory, utilisation, temperature, power), within 2 s;
// when the read fails it returns the device as read at start. It returns nil in CPU mode.
func (g *Pinned) Telemetry(ctx context.Context) *DeviceInfo {
	if g == nil {
		return nil
	}
	tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	d, err := g.Provider.Device(tctx, g.Device.UUID)
	cancel()
	if err != nil {
		d = g.Device
	}
	return &d
}

// Close releases the provider; a nil *Pinned has nothing to release.
func (g *Pinned) Close() {
	if g != nil {
		g.Provider.Close()
	}
}
