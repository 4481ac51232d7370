package worker

import (
	"context"
	"errors"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/gpu"
)

func newGuardAdmission(t *testing.T, freeMiB int64) (*gpu.Admission, *gpu.Fake, gpu.DeviceInfo) {
	t.Helper()
	d := gpu.FakeDevice(0, "NVIDIA T", 16384)
	f := gpu.NewFake(d)
	require.NoError(t, f.SetFree(d.UUID, freeMiB))
	adm, err := gpu.NewAdmission(gpu.AdmissionConfig{Provider: f, UUID: d.UUID, HeadroomMiB: 256})
	require.NoError(t, err)
	return adm, f, d
}

// TestGPUGuardReservesAroundTheRun: the run holds its memory while it runs and gives it back
// after; a GPU that is short refuses the run before it starts, with a retry delay.
func TestGPUGuardReservesAroundTheRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	adm, f, d := newGuardAdmission(t, 2000)
	rebuilds := 0
	guard := GPUGuard(zerolog.Nop(), adm, 1500, func(context.Context) error { rebuilds++; return nil })

	var held int64
	require.NoError(t, guard(ctx, func(context.Context) error { held = adm.ReservedMiB(); return nil }))
	require.Equal(t, int64(1500), held, "the run holds its reservation")
	require.Zero(t, adm.ReservedMiB(), "and gives it back when it ends")

	runErr := errors.New("bad photo")
	require.ErrorIs(t, guard(ctx, func(context.Context) error { return runErr }), runErr)
	require.Zero(t, adm.ReservedMiB(), "a failed run gives its memory back too")

	require.NoError(t, f.SetFree(d.UUID, 1000))
	ran := false
	err := guard(ctx, func(context.Context) error { ran = true; return nil })
	require.ErrorIs(t, err, gpu.ErrInsufficientVRAM)
	var ve *gpu.InsufficientVRAMError
	require.ErrorAs(t, err, &ve)
	require.Positive(t, ve.RetryAfter)
	require.False(t, ran, "a refused task does not run")
	require.Zero(t, rebuilds)
}

// TestGPUGuardRebuildsAfterOutOfMemory: a CUDA out-of-memory failure rebuilds the session and
// runs the task once more; a second one comes back transient (ErrCUDAOutOfMemory).
func TestGPUGuardRebuildsAfterOutOfMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	adm, _, _ := newGuardAdmission(t, 8000)
	rebuilds := 0
	guard := GPUGuard(zerolog.Nop(), adm, 1024, func(context.Context) error { rebuilds++; return nil })
	oom := errors.New("CUDA failure 2: out of memory ; GPU=0 ; expr=cudaMalloc((void**)&p, size);")

	runs := 0
	require.NoError(t, guard(ctx, func(context.Context) error {
		runs++
		if runs == 1 {
			return oom
		}
		return nil
	}))
	require.Equal(t, 2, runs)
	require.Equal(t, 1, rebuilds)

	runs = 0
	err := guard(ctx, func(context.Context) error { runs++; return oom })
	require.ErrorIs(t, err, gpu.ErrCUDAOutOfMemory)
	require.Equal(t, 2, runs, "retried once, not more")
	require.Equal(t, 2, rebuilds)
	require.Zero(t, adm.ReservedMiB())

	lost := errors.New("no memory for the new session")
	guard = GPUGuard(zerolog.Nop(), adm, 1024, func(context.Context) error { return lost })
	err = guard(ctx, func(context.Context) error { return oom })
	require.ErrorIs(t, err, gpu.ErrSessionLost, "a session that cannot be rebuilt stops the queue")
	require.Zero(t, adm.ReservedMiB())
}
