package gpu

import (
	"context"
	"errors"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

// setupWith is a SetupConfig whose GPUs are fake and whose pinning records the device.
func setupWith(fake *Fake, openErr error, pinned *DeviceInfo) SetupConfig {
	return SetupConfig{
		HeadroomMiB: 256, Log: zerolog.Nop(),
		Open: func(zerolog.Logger) (Provider, error) {
			if openErr != nil {
				return nil, openErr
			}
			return fake, nil
		},
		Pin: func(d DeviceInfo) (int, error) { *pinned = d; return 0, nil },
	}
}

// TestNewSetupPolicy: the worker's GPU policy without a GPU: nothing asked is CPU mode; no
// driver falls back to the CPU unless a GPU is required; a queue needing more than the card is
// refused at start; otherwise the GPU is pinned and only the GPU queues run on it.
func TestNewSetupPolicy(t *testing.T) {
	ctx := context.Background()
	dev := FakeDevice(0, "NVIDIA T4", 16384)
	var pinned DeviceInfo

	c := setupWith(NewFake(dev), nil, &pinned)
	s, err := NewSetup(ctx, c)
	require.NoError(t, err)
	require.Nil(t, s, "no GPU queue and no --gpu: CPU mode")
	require.Equal(t, "cpu", s.Device("faces"))

	c = setupWith(nil, ErrNoDriver, &pinned)
	c.Queues = map[string]int64{"faces": 1024}
	s, err = NewSetup(ctx, c)
	require.NoError(t, err)
	require.Nil(t, s, "no driver: the GPU queues run on the CPU")
	c.RequireGPU = true
	_, err = NewSetup(ctx, c)
	require.ErrorContains(t, err, "require_gpu is set")

	c = setupWith(NewFake(dev), nil, &pinned)
	c.Queues = map[string]int64{"faces": 20000}
	_, err = NewSetup(ctx, c)
	require.ErrorContains(t, err, "queue faces: vram_mib 20000")

	fake := NewFake(dev)
	c = setupWith(fake, nil, &pinned)
	c.Queues = map[string]int64{"faces": 1024}
	s, err = NewSetup(ctx, c)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	require.Equal(t, dev.UUID, pinned.UUID)
	require.True(t, s.OnGPU("faces"))
	require.False(t, s.OnGPU("captions"))
	require.Equal(t, dev.UUID, s.Device("faces"))
	require.Equal(t, "cpu", s.Device("captions"))
	require.Nil(t, s.Guard("captions", nil), "no guard for a CPU queue")

	// The guard reserves the queue's memory and rebuilds the session after an out-of-memory.
	rebuilt := 0
	guard := s.Guard("faces", func(context.Context) error { rebuilt++; return nil })
	runs := 0
	require.NoError(t, guard(ctx, func(context.Context) error {
		runs++
		require.EqualValues(t, 1024, s.Admission.ReservedMiB())
		if runs == 1 {
			return errors.New("CUDA failure 2: out of memory")
		}
		return nil
	}))
	require.Equal(t, 2, runs)
	require.Equal(t, 1, rebuilt)
	require.Zero(t, s.Admission.ReservedMiB(), "released after the run")
	require.NoError(t, fake.SetFree(dev.UUID, 512))
	err = guard(ctx, func(context.Context) error { t.Fatal("ran without memory"); return nil })
	require.ErrorIs(t, err, ErrInsufficientVRAM)

	s.RunOnCPU("faces")
	require.False(t, s.OnGPU("faces"))
	require.Equal(t, "cpu", s.Device("faces"))
}
