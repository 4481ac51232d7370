package gpu

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNewSetupRefusalsCloseTheProvider: a GPU that is not there, or one too small for a
// queue's tasks, refuses the start and leaves no provider open; --gpu cpu is CPU mode.
func TestNewSetupRefusalsCloseTheProvider(t *testing.T) {
	t.Parallel()
	dev := FakeDevice(0, "NVIDIA T", 4096)
	for _, tc := range []struct {
		name, spec string
		need       int64
		wantErr    string
	}{
		{"no such GPU", "3", 512, "--gpu 3: "},
		{"task larger than the GPU", "0", 4000, "queue faces: vram_mib 4000 is more than"},
		{"cpu asked for", "cpu", 512, ""},
	} {
		fake := NewFake(dev)
		var pinned DeviceInfo
		c := setupWith(fake, nil, &pinned)
		c.Spec, c.Queues = tc.spec, map[string]int64{"faces": tc.need}
		s, err := NewSetup(context.Background(), c)
		require.Nil(t, s, tc.name)
		if tc.wantErr == "" {
			require.NoError(t, err, tc.name)
		} else {
			require.ErrorContains(t, err, tc.wantErr, tc.name)
		}
		_, err = fake.Devices(context.Background())
		require.ErrorIs(t, err, ErrClosed, "%s: the provider is closed", tc.name)
	}

	var pinned DeviceInfo
	c := setupWith(nil, errors.New("NVML: permission denied"), &pinned)
	c.Queues = map[string]int64{"faces": 512}
	_, err := NewSetup(context.Background(), c)
	require.ErrorContains(t, err, "reading the GPUs: NVML: permission denied", "only a missing driver falls back")
}

// TestSetupGuardGivesUpAndTelemetry: a failed run gives its memory back; a second
// out-of-memory comes back transient; a session that cannot be rebuilt is lost; telemetry reads
// the GPU now and falls back to the device as pinned when the read fails.
func TestSetupGuardGivesUpAndTelemetry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dev := FakeDevice(0, "NVIDIA T", 16384)
	fake := NewFake(dev)
	var pinned DeviceInfo
	c := setupWith(fake, nil, &pinned)
	c.Queues = map[string]int64{"faces": 1024}
	s, err := NewSetup(ctx, c)
	require.NoError(t, err)
	t.Cleanup(s.Close)

	rebuilds := 0
	guard := s.Guard("faces", func(context.Context) error { rebuilds++; return nil })
	bad := errors.New("bad photo")
	require.ErrorIs(t, guard(ctx, func(context.Context) error { return bad }), bad)
	require.Zero(t, s.Admission.ReservedMiB(), "a failed run gives its memory back")
	require.Zero(t, rebuilds)

	oom := errors.New("CUDA failure 2: out of memory ; GPU=0")
	runs := 0
	err = guard(ctx, func(context.Context) error { runs++; return oom })
	require.ErrorIs(t, err, ErrCUDAOutOfMemory)
	require.Equal(t, 2, runs, "retried once, not more")
	require.Equal(t, 1, rebuilds)
	require.Zero(t, s.Admission.ReservedMiB())

	lost := s.Guard("faces", func(context.Context) error { return errors.New("no memory for a new session") })
	require.ErrorIs(t, lost(ctx, func(context.Context) error { return oom }), ErrSessionLost)
	require.Zero(t, s.Admission.ReservedMiB())

	require.NoError(t, fake.SetFree(dev.UUID, 7000))
	require.Equal(t, int64(7000), s.Telemetry(ctx).FreeMiB(), "telemetry reads the GPU now")
	fake.SetError(errors.New("GPU is lost"))
	require.Equal(t, dev.FreeMiB(), s.Telemetry(ctx).FreeMiB(), "a failed read gives the device as pinned")
}
