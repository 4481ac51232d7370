package gpu

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// The CUDA environment variables mediafleet sets.
const (
	// EnvCUDAVisibleDevices restricts which GPUs CUDA sees; a UUID is the unambiguous form.
	EnvCUDAVisibleDevices = "CUDA_VISIBLE_DEVICES"
	// EnvCUDADeviceOrder set to PCI_BUS_ID makes CUDA number GPUs by PCI address, as NVML does,
	// instead of fastest first.
	EnvCUDADeviceOrder = "CUDA_DEVICE_ORDER"
)

// hiddenDevices is the CUDA_VISIBLE_DEVICES value that hides every GPU.
const hiddenDevices = "-1"

// ChildEnv is the environment ("KEY=value" entries, for exec.Cmd.Env) that makes a child process
// see exactly d, as CUDA ordinal 0; for the zero DeviceInfo (CPU mode) it hides every GPU.
func ChildEnv(d DeviceInfo) []string {
	if !d.IsGPU() {
		return []string{EnvCUDAVisibleDevices + "=" + hiddenDevices}
	}
	return []string{EnvCUDADeviceOrder + "=PCI_BUS_ID", EnvCUDAVisibleDevices + "=" + d.UUID}
}

// PinProcess makes this process's CUDA see only d and returns the CUDA ordinal to hand to ONNX
// Runtime's CUDA provider as device_id: 0 for a GPU, -1 for the zero DeviceInfo (CPU mode, all
// GPUs hidden). It replaces any CUDA_VISIBLE_DEVICES already set, since --gpu names the device.
//
// CUDA reads these variables once, when it starts in the process, so call PinProcess before the
// first ONNX Runtime session with the CUDA provider is created (at worker start). With cgo, as
// here, os.Setenv also updates the C environment that CUDA reads.
func PinProcess(d DeviceInfo) (int, error) {
	for _, kv := range ChildEnv(d) {
		k, v, _ := strings.Cut(kv, "=")
		if err := os.Setenv(k, v); err != nil {
			return -1, fmt.Errorf("setting %s for %s: %w", k, d, err)
		}
	}
	if !d.IsGPU() {
		return -1, nil
	}
	return 0, nil
}

// CUDAOrdinal is d's CUDA ordinal in a process that sees every GPU in all (as from
// Provider.Devices), runs with CUDA_DEVICE_ORDER=PCI_BUS_ID and has no CUDA_VISIBLE_DEVICES: the
// rank of d's PCI bus id among all of theirs. Prefer [PinProcess], which does not depend on
// those conditions.
func CUDAOrdinal(all []DeviceInfo, d DeviceInfo) (int, error) {
	if !d.IsGPU() {
		return -1, fmt.Errorf("CUDA ordinal asked for, but no GPU is pinned")
	}
	ids := make([]string, 0, len(all))
	found := false
	for _, x := range all {
		if x.PCIBusID == "" {
			return -1, fmt.Errorf("GPU %d (%s) has no PCI bus id, so its CUDA ordinal is unknown", x.Index, x.UUID)
		}
		ids = append(ids, strings.ToUpper(x.PCIBusID))
		found = found || strings.EqualFold(x.UUID, d.UUID)
	}
	if !found {
		return -1, fmt.Errorf("%w: %s is not among %s", ErrNoSuchGPU, d, listDevices(all))
	}
	slices.Sort(ids)
	return slices.Index(ids, strings.ToUpper(d.PCIBusID)), nil
}
