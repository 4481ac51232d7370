//go:build cgo

package gpu

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

// Every mock method left nil panics when called, so these tests also prove which NVML calls
// openNVML and the provider make.

func TestOpenNVMLWithoutLibraryCallsOnlyInit(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	lib := &mock.Interface{InitFunc: func() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }}

	p, err := openNVML(lib, zerolog.New(&logs))

	require.Nil(t, p)
	require.ErrorIs(t, err, ErrNoDriver)
	require.Equal(t, "no NVIDIA driver found (libnvidia-ml not loadable): running in CPU-only mode", err.Error())
	require.Len(t, lib.InitCalls(), 1)
	require.Equal(t, 1, strings.Count(logs.String(), "\n"), "want exactly one log line, got %q", logs.String())
	require.Contains(t, logs.String(), "CPU-only mode")
}

func TestOpenNVMLDriverNotLoadedNamesTheCode(t *testing.T) {
	t.Parallel()
	lib := &mock.Interface{InitFunc: func() nvml.Return { return nvml.ERROR_DRIVER_NOT_LOADED }}

	_, err := openNVML(lib, zerolog.Nop())

	require.ErrorIs(t, err, ErrNoDriver)
	require.Contains(t, err.Error(), "ERROR_DRIVER_NOT_LOADED")
	require.Contains(t, err.Error(), "CPU-only mode")
}

type mockGPU struct {
	uuid, name, bus string
	total, free     uint64
	noPower         bool
}

func newMockLib(gpus ...mockGPU) *mock.Interface {
	devs := make([]*mock.Device, len(gpus))
	for i, g := range gpus {
		var pci nvml.PciInfo
		putCString(pci.BusId[:], g.bus)
		devs[i] = &mock.Device{
			GetIndexFunc: func() (int, nvml.Return) { return i, nvml.SUCCESS },
			GetUUIDFunc:  func() (string, nvml.Return) { return g.uuid, nvml.SUCCESS },
			GetNameFunc:  func() (string, nvml.Return) { return g.name, nvml.SUCCESS },
			GetPciInfoFunc: func() (nvml.PciInfo, nvml.Return) {
				return pci, nvml.SUCCESS
			},
			GetMemoryInfoFunc: func() (nvml.Memory, nvml.Return) {
				return nvml.Memory{Total: g.total, Free: g.free, Used: g.total - g.free}, nvml.SUCCESS
			},
			GetUtilizationRatesFunc: func() (nvml.Utilization, nvml.Return) {
				return nvml.Utilization{Gpu: uint32(40 + i)}, nvml.SUCCESS
			},
			GetTemperatureFunc: func(nvml.TemperatureSensors) (uint32, nvml.Return) { return uint32(50 + i), nvml.SUCCESS },
			GetPowerUsageFunc: func() (uint32, nvml.Return) {
				if g.noPower {
					return 0, nvml.ERROR_NOT_SUPPORTED
				}
				return 123456, nvml.SUCCESS
			},
		}
	}
	return &mock.Interface{
		SystemGetDriverVersionFunc:     func() (string, nvml.Return) { return "580.95.05", nvml.SUCCESS },
		SystemGetCudaDriverVersionFunc: func() (int, nvml.Return) { return 13000, nvml.SUCCESS },
		InitFunc:                       func() nvml.Return { return nvml.SUCCESS },
		ShutdownFunc:                   func() nvml.Return { return nvml.SUCCESS },
		DeviceGetCountFunc:             func() (int, nvml.Return) { return len(devs), nvml.SUCCESS },
		DeviceGetHandleByIndexFunc: func(i int) (nvml.Device, nvml.Return) {
			if i < 0 || i >= len(devs) {
				return nil, nvml.ERROR_INVALID_ARGUMENT
			}
			return devs[i], nvml.SUCCESS
		},
		DeviceGetHandleByUUIDFunc: func(u string) (nvml.Device, nvml.Return) {
			for i, g := range gpus {
				if g.uuid == u {
					return devs[i], nvml.SUCCESS
				}
			}
			return nil, nvml.ERROR_NOT_FOUND
		},
	}
}

func TestNVMLProviderReadsDevices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lib := newMockLib(
		mockGPU{uuid: "GPU-aaaa", name: "NVIDIA A", bus: "00000000:3B:00.0", total: 80 << 30, free: 60 << 30},
		mockGPU{uuid: "GPU-bbbb", name: "NVIDIA B", bus: "00000000:86:00.0", total: 24 << 30, free: 1 << 30, noPower: true},
	)
	p, err := openNVML(lib, zerolog.Nop())
	require.NoError(t, err)

	devs, err := p.Devices(ctx)
	require.NoError(t, err)
	require.Len(t, devs, 2)
	require.Equal(t, DeviceInfo{
		Index: 0, UUID: "GPU-aaaa", Name: "NVIDIA A", PCIBusID: "00000000:3B:00.0",
		MemoryTotal: 80 << 30, MemoryUsed: 20 << 30, MemoryFree: 60 << 30,
		UtilizationGPU: 40, TemperatureC: 50, PowerW: 123.456,
	}, devs[0])
	require.Zero(t, devs[1].PowerW, "a device without power readings reports 0 W")
	require.Equal(t, int64(1024), devs[1].FreeMiB())

	d, err := p.Device(ctx, "GPU-bbbb")
	require.NoError(t, err)
	require.Equal(t, devs[1], d)

	_, err = p.Device(ctx, "GPU-cccc")
	require.ErrorIs(t, err, ErrNoSuchGPU)

	drv, err := DriverOf(p)
	require.NoError(t, err)
	require.Equal(t, Driver{Version: "580.95.05", CUDAVersion: "13.0"}, drv)
	lib.SystemGetCudaDriverVersionFunc = func() (int, nvml.Return) { return 12020, nvml.SUCCESS }
	drv, err = DriverOf(p)
	require.NoError(t, err)
	require.Equal(t, "12.2", drv.CUDAVersion)

	require.NoError(t, p.Close())
	require.NoError(t, p.Close())
	require.Len(t, lib.ShutdownCalls(), 1)
	_, err = p.Devices(ctx)
	require.ErrorIs(t, err, ErrClosed)
	_, err = p.Device(ctx, "GPU-aaaa")
	require.ErrorIs(t, err, ErrClosed)
}

func TestNVMLProviderReportsMemoryReadFailure(t *testing.T) {
	t.Parallel()
	lib := newMockLib(mockGPU{uuid: "GPU-aaaa", bus: "00000000:3B:00.0", total: 8 << 30, free: 8 << 30})
	dev, _ := lib.DeviceGetHandleByIndex(0)
	dev.(*mock.Device).GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) { return nvml.Memory{}, nvml.ERROR_GPU_IS_LOST }
	p, err := openNVML(lib, zerolog.Nop())
	require.NoError(t, err)

	_, err = p.Devices(context.Background())
	require.Error(t, err)
	require.Contains(t, err.Error(), "GPU-aaaa")
	require.Contains(t, err.Error(), "ERROR_GPU_IS_LOST")
	require.False(t, errors.Is(err, ErrNoSuchGPU))
}

// putCString writes s into a C char array, whichever signedness go-nvml gives char.
func putCString[C ~int8 | ~uint8](dst []C, s string) {
	for j, c := range []byte(s) {
		dst[j] = C(c)
	}
}
