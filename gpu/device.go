package gpu

import (
	"context"
	"errors"
	"fmt"
)

// DeviceInfo describes one GPU and its telemetry at the moment it was read. Telemetry that a
// device does not report (power on some boards, for instance) is zero.
type DeviceInfo struct {
	// Index is the NVML index, the number nvidia-smi shows.
	Index int `json:"index"`
	// UUID is the stable identity of the GPU, "GPU-..." (or "MIG-..." for a MIG instance).
	UUID string `json:"uuid"`
	// Name is the product name, e.g. "NVIDIA H100 80GB HBM3".
	Name string `json:"name"`
	// PCIBusID is the PCI address, e.g. "00000000:3B:00.0".
	PCIBusID string `json:"pci_bus_id"`
	// MemoryTotal is the GPU's memory in bytes.
	MemoryTotal uint64 `json:"memory_total_bytes"`
	// MemoryUsed is the memory in use by all processes, in bytes.
	MemoryUsed uint64 `json:"memory_used_bytes"`
	// MemoryFree is the memory no process holds, in bytes.
	MemoryFree uint64 `json:"memory_free_bytes"`
	// UtilizationGPU is the percentage of the last sample period in which a kernel ran.
	UtilizationGPU uint32 `json:"utilization_gpu_percent"`
	// TemperatureC is the core temperature in degrees Celsius.
	TemperatureC uint32 `json:"temperature_c"`
	// PowerW is the board's power draw in watts.
	PowerW float64 `json:"power_w"`
}

// IsGPU reports whether d names a GPU; the zero DeviceInfo, which [Resolve] returns for "cpu",
// does not.
func (d DeviceInfo) IsGPU() bool { return d.UUID != "" }

// FreeMiB is the free memory in MiB.
func (d DeviceInfo) FreeMiB() int64 { return int64(d.MemoryFree >> 20) }

// String names the device for people: "GPU 0 (NVIDIA H100, GPU-..., 81559 MiB)", or "CPU".
func (d DeviceInfo) String() string {
	if !d.IsGPU() {
		return "CPU"
	}
	return fmt.Sprintf("GPU %d (%s, %s, %d MiB)", d.Index, d.Name, d.UUID, d.MemoryTotal>>20)
}

// Provider lists GPUs and reads their telemetry. The NVML implementation comes from [Open];
// [Fake] stands in for it where there is no GPU. Implementations are safe for concurrent use.
type Provider interface {
	// Devices lists every GPU in NVML index order, with fresh telemetry.
	Devices(ctx context.Context) ([]DeviceInfo, error)
	// Device reads one GPU by UUID; an unknown UUID gives an error matching [ErrNoSuchGPU].
	Device(ctx context.Context, uuid string) (DeviceInfo, error)
	// Close releases the provider; later calls return [ErrClosed].
	Close() error
}

// ErrNoDriver means NVML could not start: no NVIDIA driver, so the process runs in CPU-only mode.
var ErrNoDriver = errors.New("no NVIDIA driver found (libnvidia-ml not loadable): running in CPU-only mode")

// ErrNoSuchGPU means a GPU spec or UUID matched none of the GPUs this machine has.
var ErrNoSuchGPU = errors.New("no such GPU")

// ErrClosed is returned by a Provider used after Close.
var ErrClosed = errors.New("gpu provider is closed")
