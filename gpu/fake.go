package gpu

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Fake is an in-memory Provider for machines without a GPU: tests here and in other packages
// build one with [NewFake] and change its free memory while code under test reads it.
type Fake struct {
	mu     sync.Mutex
	devs   []DeviceInfo
	driver Driver
	err    error
	closed bool
}

var (
	_ Provider     = (*Fake)(nil)
	_ DriverReader = (*Fake)(nil)
)

// SetDriver sets what Driver reports.
func (f *Fake) SetDriver(d Driver) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.driver = d
}

// Driver reports the driver set with SetDriver (the zero Driver by default).
func (f *Fake) Driver() (Driver, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.readErr(); err != nil {
		return Driver{}, err
	}
	return f.driver, nil
}

// NewFake returns a Fake holding devs, listed in the order given.
func NewFake(devs ...DeviceInfo) *Fake {
	return &Fake{devs: append([]DeviceInfo(nil), devs...)}
}

// FakeDevice builds a DeviceInfo with NVML index index, a UUID derived from it, a PCI bus id
// in index order, and totalMiB of memory, all of it free.
func FakeDevice(index int, name string, totalMiB int64) DeviceInfo {
	total := uint64(totalMiB) << 20
	return DeviceInfo{
		Index:       index,
		UUID:        fmt.Sprintf("GPU-%08x-0000-4000-8000-%012x", 0xfa4e0000+index, index),
		Name:        name,
		PCIBusID:    fmt.Sprintf("00000000:%02X:00.0", 0x10+index),
		MemoryTotal: total,
		MemoryFree:  total,
	}
}

// SetFree sets the free memory of the device with this UUID to freeMiB (used becomes the rest).
func (f *Fake) SetFree(uuid string, freeMiB int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.devs {
		if strings.EqualFold(f.devs[i].UUID, uuid) {
			free := uint64(freeMiB) << 20
			if free > f.devs[i].MemoryTotal {
				return fmt.Errorf("fake GPU %s: %d MiB free is more than its %d MiB", uuid, freeMiB, f.devs[i].MemoryTotal>>20)
			}
			f.devs[i].MemoryFree = free
			f.devs[i].MemoryUsed = f.devs[i].MemoryTotal - free
			return nil
		}
	}
	return fmt.Errorf("%w: fake has no GPU %s", ErrNoSuchGPU, uuid)
}

// SetError makes every later read fail with err (nil restores normal reads), as a lost GPU would.
func (f *Fake) SetError(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// Devices returns copies of the fake devices.
func (f *Fake) Devices(ctx context.Context) ([]DeviceInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.readErr(); err != nil {
		return nil, err
	}
	return append([]DeviceInfo{}, f.devs...), nil
}

// Device returns the fake device with this UUID (compared case-insensitively).
func (f *Fake) Device(ctx context.Context, uuid string) (DeviceInfo, error) {
	if err := ctx.Err(); err != nil {
		return DeviceInfo{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.readErr(); err != nil {
		return DeviceInfo{}, err
	}
	for _, d := range f.devs {
		if strings.EqualFold(d.UUID, uuid) {
			return d, nil
		}
	}
	return DeviceInfo{}, fmt.Errorf("%w: fake has no GPU %s", ErrNoSuchGPU, uuid)
}

// Close marks the fake closed; later reads return ErrClosed.
func (f *Fake) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func (f *Fake) readErr() error {
	if f.closed {
		return ErrClosed
	}
	return f.err
}
