package gpu

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Resolve turns a --gpu value into the GPU to pin:
//
//   - "" or "cpu": no GPU (the zero DeviceInfo);
//   - "0", "1", ...: the GPU with that NVML index, the number nvidia-smi shows;
//   - "GPU-<uuid>" or "MIG-<uuid>": the GPU with that UUID (case-insensitive);
//   - "auto": the GPU with the most free memory (the lowest index on a tie), or no GPU when the
//     machine has none.
//
// p may be nil when [Open] failed: then "" "cpu" and "auto" give no GPU, and a spec naming a GPU
// is refused with an error matching [ErrNoDriver]. A spec that matches nothing is refused with an
// error matching [ErrNoSuchGPU] that lists the GPUs this machine does have.
func Resolve(ctx context.Context, p Provider, spec string) (DeviceInfo, error) {
	s := strings.TrimSpace(spec)
	switch strings.ToLower(s) {
	case "", "cpu":
		return DeviceInfo{}, nil
	}
	kind := specKind(s)
	if kind == "" {
		return DeviceInfo{}, fmt.Errorf("--gpu %q is not a GPU spec: use an NVML index such as 0, a UUID such as GPU-..., auto or cpu", spec)
	}
	if p == nil {
		if kind == "auto" {
			return DeviceInfo{}, nil
		}
		return DeviceInfo{}, fmt.Errorf("--gpu %q asks for a GPU, but %w; use --gpu cpu or install the driver", spec, ErrNoDriver)
	}
	devs, err := p.Devices(ctx)
	if err != nil {
		return DeviceInfo{}, fmt.Errorf("listing GPUs for --gpu %q: %w", spec, err)
	}
	switch kind {
	case "auto":
		return mostFree(devs), nil
	case "index":
		n, err := strconv.Atoi(s)
		if err == nil {
			for _, d := range devs {
				if d.Index == n {
					return d, nil
				}
			}
		}
	case "uuid":
		for _, d := range devs {
			if strings.EqualFold(d.UUID, s) {
				return d, nil
			}
		}
	}
	return DeviceInfo{}, fmt.Errorf("--gpu %q: %w on this machine, which has %s", spec, ErrNoSuchGPU, listDevices(devs))
}

// specKind classifies a non-CPU spec as "auto", "index", "uuid" or "" (not a spec).
func specKind(s string) string {
	l := strings.ToLower(s)
	switch {
	case l == "auto":
		return "auto"
	case strings.HasPrefix(l, "gpu-") || strings.HasPrefix(l, "mig-"):
		return "uuid"
	}
	if _, err := strconv.ParseUint(s, 10, 31); err == nil {
		return "index"
	}
	return ""
}

func mostFree(devs []DeviceInfo) DeviceInfo {
	var best DeviceInfo
	for _, d := range devs {
		if !best.IsGPU() || d.MemoryFree > best.MemoryFree || (d.MemoryFree == best.MemoryFree && d.Index < best.Index) {
			best = d
		}
	}
	return best
}

// listDevices names every device for an error message: "no GPU" or "GPU 0 (...), GPU 1 (...)".
func listDevices(devs []DeviceInfo) string {
	if len(devs) == 0 {
		return "no GPU"
	}
	names := make([]string, len(devs))
	for i, d := range devs {
		names[i] = d.String()
	}
	return strings.Join(names, ", ")
}
