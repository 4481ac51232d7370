package gpu

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func twoGPUs(t *testing.T) (*Fake, DeviceInfo, DeviceInfo) {
	t.Helper()
	a, b := FakeDevice(0, "NVIDIA A", 24576), FakeDevice(1, "NVIDIA B", 81920)
	f := NewFake(a, b)
	require.NoError(t, f.SetFree(a.UUID, 20000))
	require.NoError(t, f.SetFree(b.UUID, 10000))
	a.MemoryFree, a.MemoryUsed = 20000<<20, a.MemoryTotal-20000<<20
	b.MemoryFree, b.MemoryUsed = 10000<<20, b.MemoryTotal-10000<<20
	return f, a, b
}

func TestResolvePinsByIndexUUIDAndAuto(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, a, b := twoGPUs(t)

	for spec, want := range map[string]DeviceInfo{
		"0": a, "1": b, " 1 ": b,
		b.UUID:              b,
		"gpu-" + b.UUID[4:]: b, // UUIDs compare case-insensitively
		"auto":              a, // 20000 MiB free beats 10000
		"AUTO":              a,
		"cpu":               {},
		"":                  {},
	} {
		got, err := Resolve(ctx, f, spec)
		require.NoError(t, err, "spec %q", spec)
		require.Equal(t, want, got, "spec %q", spec)
	}

	require.NoError(t, f.SetFree(a.UUID, 100))
	got, err := Resolve(ctx, f, "auto")
	require.NoError(t, err)
	require.Equal(t, b.UUID, got.UUID, "auto follows free memory as it changes")
}

func TestResolveAutoTieTakesLowestIndex(t *testing.T) {
	t.Parallel()
	f := NewFake(FakeDevice(3, "X", 1000), FakeDevice(1, "X", 1000), FakeDevice(2, "X", 1000))
	got, err := Resolve(context.Background(), f, "auto")
	require.NoError(t, err)
	require.Equal(t, 1, got.Index)
}

func TestResolveUnknownSpecListsTheGPUsSeen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, a, b := twoGPUs(t)

	for _, spec := range []string{"2", "GPU-00000000-dead-beef-0000-000000000000", "MIG-x"} {
		_, err := Resolve(ctx, f, spec)
		require.ErrorIs(t, err, ErrNoSuchGPU, "spec %q", spec)
		require.Contains(t, err.Error(), spec)
		require.Contains(t, err.Error(), a.UUID)
		require.Contains(t, err.Error(), b.UUID)
		require.Contains(t, err.Error(), "GPU 1 (NVIDIA B")
	}

	_, err := Resolve(ctx, NewFake(), "0")
	require.ErrorIs(t, err, ErrNoSuchGPU)
	require.Contains(t, err.Error(), "which has no GPU")

	for _, spec := range []string{"fast", "-1", "0,1", "gpu0"} {
		_, err := Resolve(ctx, f, spec)
		require.Error(t, err, "spec %q", spec)
		require.Contains(t, err.Error(), "is not a GPU spec", "spec %q", spec)
	}
}

func TestResolveWithoutDriver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	for _, spec := range []string{"", "cpu", "auto"} {
		got, err := Resolve(ctx, nil, spec)
		require.NoError(t, err, "spec %q", spec)
		require.False(t, got.IsGPU(), "spec %q", spec)
	}
	_, err := Resolve(ctx, nil, "0")
	require.ErrorIs(t, err, ErrNoDriver)
	require.Contains(t, err.Error(), "--gpu cpu")
}

func TestResolvePassesProviderFailureOn(t *testing.T) {
	t.Parallel()
	f, _, _ := twoGPUs(t)
	lost := errors.New("GPU is lost")
	f.SetError(lost)
	_, err := Resolve(context.Background(), f, "auto")
	require.ErrorIs(t, err, lost)
	require.NotErrorIs(t, err, ErrNoSuchGPU)
}
