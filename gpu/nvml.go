//go:build cgo

package gpu

import (
	"context"
	"fmt"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/rs/zerolog"
)

// Open starts NVML and returns a Provider over it. Without a usable driver it logs one line and
// returns an error matching [ErrNoDriver] (nil Provider); after such a failure no other NVML
// function is called, since that would kill the process.
func Open(log zerolog.Logger) (Provider, error) {
	return openNVML(nvml.New(), log)
}

// openNVML is Open over any nvml.Interface, so tests can hand it go-nvml's mock.
func openNVML(lib nvml.Interface, log zerolog.Logger) (Provider, error) {
	if ret := lib.Init(); ret != nvml.SUCCESS {
		// Only Init was called; nothing else may be, not even ErrorString.
		err := initError(ret)
		log.Info().Str("nvml_init", returnName(ret)).Msg(err.Error())
		return nil, err
	}
	n, ret := lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		_ = lib.Shutdown()
		return nil, fmt.Errorf("NVML started but could not count GPUs: %s", returnName(ret))
	}
	log.Info().Int("gpus", n).Msg("NVML ready")
	return &nvmlProvider{lib: lib}, nil
}

// initError is the error for a failed nvmlInit: ErrNoDriver itself when the library is absent,
// else an error that names the NVML code and still matches ErrNoDriver.
func initError(ret nvml.Return) error {
	if ret == nvml.ERROR_LIBRARY_NOT_FOUND {
		return ErrNoDriver
	}
	return &driverError{code: returnName(ret)}
}

type driverError struct{ code string }

func (e *driverError) Error() string {
	return "NVIDIA driver not usable (NVML init returned " + e.code + "): running in CPU-only mode"
}

func (e *driverError) Unwrap() error { return ErrNoDriver }

// returnName names an NVML code without calling into NVML (nvml.Return.Error may).
func returnName(ret nvml.Return) string {
	switch ret {
	case nvml.SUCCESS:
		return "SUCCESS"
	case nvml.ERROR_UNINITIALIZED:
		return "ERROR_UNINITIALIZED"
	case nvml.ERROR_INVALID_ARGUMENT:
		return "ERROR_INVALID_ARGUMENT"
	case nvml.ERROR_NOT_SUPPORTED:
		return "ERROR_NOT_SUPPORTED"
	case nvml.ERROR_NO_PERMISSION:
		return "ERROR_NO_PERMISSION"
	case nvml.ERROR_NOT_FOUND:
		return "ERROR_NOT_FOUND"
	case nvml.ERROR_DRIVER_NOT_LOADED:
		return "ERROR_DRIVER_NOT_LOADED"
	case nvml.ERROR_LIBRARY_NOT_FOUND:
		return "ERROR_LIBRARY_NOT_FOUND"
	case nvml.ERROR_GPU_IS_LOST:
		return "ERROR_GPU_IS_LOST"
	case nvml.ERROR_LIB_RM_VERSION_MISMATCH:
		return "ERROR_LIB_RM_VERSION_MISMATCH"
	case nvml.ERROR_UNKNOWN:
		return "ERROR_UNKNOWN"
	}
	return fmt.Sprintf("NVML error %d", int32(ret))
}

// nvmlProvider is the Provider over a started NVML library.
type nvmlProvider struct {
	mu     sync.RWMutex // read-held by every NVML call, write-held by Close
	lib    nvml.Interface
	closed bool
}

var (
	_ Provider     = (*nvmlProvider)(nil)
	_ DriverReader = (*nvmlProvider)(nil)
)

func (p *nvmlProvider) Devices(ctx context.Context) ([]DeviceInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil, ErrClosed
	}
	n, ret := p.lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return nil, fmt.Errorf("counting GPUs: NVML %s", returnName(ret))
	}
	out := make([]DeviceInfo, 0, n)
	for i := range n {
		h, ret := p.lib.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			return nil, fmt.Errorf("opening GPU %d: NVML %s", i, returnName(ret))
		}
		d, err := readDevice(h, i)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func (p *nvmlProvider) Device(ctx context.Context, uuid string) (DeviceInfo, error) {
	if err := ctx.Err(); err != nil {
		return DeviceInfo{}, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return DeviceInfo{}, ErrClosed
	}
	h, ret := p.lib.DeviceGetHandleByUUID(uuid)
	switch ret {
	case nvml.SUCCESS:
	case nvml.ERROR_NOT_FOUND, nvml.ERROR_INVALID_ARGUMENT:
		return DeviceInfo{}, fmt.Errorf("%w: NVML knows no GPU %s", ErrNoSuchGPU, uuid)
	default:
		return DeviceInfo{}, fmt.Errorf("opening GPU %s: NVML %s", uuid, returnName(ret))
	}
	idx, ret := h.GetIndex()
	if ret != nvml.SUCCESS {
		return DeviceInfo{}, fmt.Errorf("reading the index of GPU %s: NVML %s", uuid, returnName(ret))
	}
	return readDevice(h, idx)
}

// Driver reads the driver's version and the newest CUDA it supports.
func (p *nvmlProvider) Driver() (Driver, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return Driver{}, ErrClosed
	}
	v, ret := p.lib.SystemGetDriverVersion()
	if ret != nvml.SUCCESS {
		return Driver{}, fmt.Errorf("reading the driver version: NVML %s", returnName(ret))
	}
	cuda, ret := p.lib.SystemGetCudaDriverVersion()
	if ret != nvml.SUCCESS {
		return Driver{}, fmt.Errorf("reading the CUDA version of driver %s: NVML %s", v, returnName(ret))
	}
	return Driver{Version: v, CUDAVersion: cudaVersionString(cuda)}, nil
}

func (p *nvmlProvider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	if ret := p.lib.Shutdown(); ret != nvml.SUCCESS {
		return fmt.Errorf("shutting NVML down: %s", returnName(ret))
	}
	return nil
}

// readDevice reads identity and memory (required) and utilisation, temperature and power
// (zero when the device does not report them).
func readDevice(h nvml.Device, index int) (DeviceInfo, error) {
	d := DeviceInfo{Index: index}
	var ret nvml.Return
	if d.UUID, ret = h.GetUUID(); ret != nvml.SUCCESS {
		return DeviceInfo{}, fmt.Errorf("reading the UUID of GPU %d: NVML %s", index, returnName(ret))
	}
	mem, ret := h.GetMemoryInfo()
	if ret != nvml.SUCCESS {
		return DeviceInfo{}, fmt.Errorf("reading the memory of GPU %d (%s): NVML %s", index, d.UUID, returnName(ret))
	}
	d.MemoryTotal, d.MemoryUsed, d.MemoryFree = mem.Total, mem.Used, mem.Free
	if name, ret := h.GetName(); ret == nvml.SUCCESS {
		d.Name = name
	}
	if pci, ret := h.GetPciInfo(); ret == nvml.SUCCESS {
		d.PCIBusID = cString(pci.BusId[:])
	}
	if u, ret := h.GetUtilizationRates(); ret == nvml.SUCCESS {
		d.UtilizationGPU = u.Gpu
	}
	if t, ret := h.GetTemperature(nvml.TEMPERATURE_GPU); ret == nvml.SUCCESS {
		d.TemperatureC = t
	}
	if mw, ret := h.GetPowerUsage(); ret == nvml.SUCCESS {
		d.PowerW = float64(mw) / 1000
	}
	return d, nil
}

// cString reads a NUL-terminated C char array, whichever signedness go-nvml gives char.
func cString[C ~int8 | ~uint8](b []C) string {
	s := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}
