package gpu

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestChildEnv(t *testing.T) {
	t.Parallel()
	d := FakeDevice(1, "NVIDIA B", 1000)
	require.Equal(t, []string{"CUDA_DEVICE_ORDER=PCI_BUS_ID", "CUDA_VISIBLE_DEVICES=" + d.UUID}, ChildEnv(d))
	require.Equal(t, []string{"CUDA_VISIBLE_DEVICES=-1"}, ChildEnv(DeviceInfo{}))
}

// Not parallel: it changes the process environment (t.Setenv restores it).
func TestPinProcessSetsTheEnvironment(t *testing.T) {
	t.Setenv(EnvCUDAVisibleDevices, "0,1")
	t.Setenv(EnvCUDADeviceOrder, "FASTEST_FIRST")
	d := FakeDevice(1, "NVIDIA B", 1000)

	ord, err := PinProcess(d)
	require.NoError(t, err)
	require.Equal(t, 0, ord)
	require.Equal(t, d.UUID, os.Getenv(EnvCUDAVisibleDevices))
	require.Equal(t, "PCI_BUS_ID", os.Getenv(EnvCUDADeviceOrder))

	ord, err = PinProcess(DeviceInfo{})
	require.NoError(t, err)
	require.Equal(t, -1, ord)
	require.Equal(t, "-1", os.Getenv(EnvCUDAVisibleDevices))
}

func TestCUDAOrdinalRanksByPCIBus(t *testing.T) {
	t.Parallel()
	a, b, c := FakeDevice(0, "A", 1000), FakeDevice(1, "B", 1000), FakeDevice(2, "C", 1000)
	a.PCIBusID, b.PCIBusID, c.PCIBusID = "00000000:86:00.0", "00000000:3b:00.0", "00000000:AF:00.0"
	all := []DeviceInfo{a, b, c}

	for d, want := range map[DeviceInfo]int{a: 1, b: 0, c: 2} {
		got, err := CUDAOrdinal(all, d)
		require.NoError(t, err)
		require.Equal(t, want, got, "%s", d)
	}
	_, err := CUDAOrdinal(all, FakeDevice(9, "Z", 1))
	require.ErrorIs(t, err, ErrNoSuchGPU)
	_, err = CUDAOrdinal(all, DeviceInfo{})
	require.Error(t, err)
}
