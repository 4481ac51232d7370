package gpu

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// SetupConfig is what a worker asks of its GPU: the device spec, the queues that run on a GPU
// with the memory one task of each needs, and whether a missing GPU is an error.
type SetupConfig struct {
	// Spec names the GPU: "" or "auto" (the most free memory), an index, or GPU-<uuid>; "cpu"
	// with no GPU queue means none.
	Spec string
	// Queues maps each queue configured with device: gpu to the MiB one of its tasks needs.
	Queues map[string]int64
	// RequireGPU refuses to start when the GPU queues cannot get a GPU.
	RequireGPU bool
	// HeadroomMiB is the memory admission leaves free for fragmentation and other processes.
	HeadroomMiB int64
	// Log receives the decisions (pinned GPU, fallback to the CPU).
	Log zerolog.Logger
	// Open reads the GPUs; nil is NVML ([Open]). Tests pass one returning a [Fake].
	Open func(zerolog.Logger) (Provider, error)
	// Pin makes the process's CUDA see only the chosen GPU; nil is [PinProcess].
	Pin func(DeviceInfo) (int, error)
}

// Setup is a worker's GPU: the provider that reads it, the pinned device and its driver, the
// CUDA ordinal ONNX Runtime gets, and the VRAM admission of its GPU queues. A nil *Setup is CPU
// mode: every method answers for the CPU.
type Setup struct {
	Provider  Provider
	Dev       DeviceInfo
	Driver    Driver
	Ordinal   int
	Admission *Admission
	log       zerolog.Logger
	queues    map[string]int64
	onCPU     map[string]bool // GPU queues that fell back to the CPU, with the reason logged
}

// NewSetup resolves the worker's GPU. Without a driver, GPU queues run on the CPU with one
// warning, unless RequireGPU: then it is an error. A GPU asked for and not found is an error
// naming the GPUs that are there, and so is a queue whose tasks need more memory than the GPU
// has. It returns nil (CPU mode) when nothing asks for a GPU.
func NewSetup(ctx context.Context, c SetupConfig) (*Setup, error) {
	names := slices.Sorted(maps.Keys(c.Queues))
	spec := strings.TrimSpace(c.Spec)
	if len(names) == 0 && (spec == "" || spec == "cpu") {
		return nil, nil
	}
	if spec == "" {
		spec = "auto"
	}
	open, pin := c.Open, c.Pin
	if open == nil {
		open = Open
	}
	if pin == nil {
		pin = PinProcess
	}
	p, err := open(c.Log)
	if err != nil {
		if !errors.Is(err, ErrNoDriver) {
			return nil, fmt.Errorf("reading the GPUs: %w", err)
		}
		if c.RequireGPU {
			return nil, fmt.Errorf("queues %s need a GPU (device: gpu) and require_gpu is set, but %v: install the NVIDIA driver, or set require_gpu: false to run them on the CPU",
				strings.Join(names, ", "), err)
		}
		c.Log.Warn().Strs("queues", names).Msg("no NVIDIA driver found: these GPU queues run on the CPU (set worker.require_gpu to refuse instead)")
		return nil, nil
	}
	fail := func(err error) (*Setup, error) { p.Close(); return nil, err }
	dev, err := Resolve(ctx, p, spec)
	if err != nil {
		return fail(fmt.Errorf("--gpu %s: %w", spec, err))
	}
	if !dev.IsGPU() {
		return fail(nil)
	}
	if err := CheckFits(dev, c.HeadroomMiB, c.Queues); err != nil {
		return fail(err)
	}
	ordinal, err := pin(dev)
	if err != nil {
		return fail(err)
	}
	adm, err := NewAdmission(AdmissionConfig{Provider: p, UUID: dev.UUID, HeadroomMiB: c.HeadroomMiB})
	if err != nil {
		return fail(err)
	}
	drv, err := DriverOf(p)
	if err != nil {
		c.Log.Warn().Err(err).Msg("the NVIDIA driver's version could not be read")
	}
	c.Log.Info().Str("gpu", dev.String()).Int64("free_mib", dev.FreeMiB()).Strs("queues", names).
		Str("driver", drv.Version).Str("driver_cuda", drv.CUDAVersion).Msg("pinned to GPU")
	return &Setup{Provider: p, Dev: dev, Driver: drv, Ordinal: ordinal, Admission: adm, log: c.Log,
		queues: maps.Clone(c.Queues), onCPU: map[string]bool{}}, nil
}

// OnGPU tells whether a queue runs on the pinned GPU.
func (s *Setup) OnGPU(queue string) bool {
	if s == nil {
		return false
	}
	_, gpuQueue := s.queues[queue]
	return gpuQueue && !s.onCPU[queue]
}

// RunOnCPU records that a GPU queue runs on the CPU after all (its backend could not use the
// GPU and said why); it is called while the worker is built, before the queues run.
func (s *Setup) RunOnCPU(queue string) {
	if s != nil {
		s.onCPU[queue] = true
	}
}

// Device names where a queue's tasks run, for the registry: the GPU's UUID or "cpu".
func (s *Setup) Device(queue string) string {
	if s.OnGPU(queue) {
		return s.Dev.UUID
	}
	return "cpu"
}

// Telemetry reads the pinned GPU now, or returns what was read at start when that fails.
func (s *Setup) Telemetry(ctx context.Context) DeviceInfo {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	d, err := s.Provider.Device(ctx, s.Dev.UUID)
	if err != nil {
		return s.Dev
	}
	return d
}

// Guard wraps each model run of a GPU queue: it reserves the queue's memory on the GPU
// (waiting briefly, or failing with a transient [InsufficientVRAMError]), and after a CUDA
// out-of-memory failure rebuilds the session with rebuild and runs once more ([Recoverer]). It
// returns nil for a queue that does not run on the GPU.
func (s *Setup) Guard(queue string, rebuild func(context.Context) error) func(context.Context, func(context.Context) error) error {
	if !s.OnGPU(queue) {
		return nil
	}
	rec := NewRecoverer(s.log, rebuild)
	need := s.queues[queue]
	return func(ctx context.Context, run func(context.Context) error) error {
		release, err := s.Admission.Reserve(ctx, need)
		if err != nil {
			return err
		}
		defer release()
		return rec.Do(ctx, run)
	}
}

// Close releases the provider.
func (s *Setup) Close() {
	if s != nil {
		s.Provider.Close()
	}
}
