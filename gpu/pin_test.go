package gpu

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

// pinWith is a PinConfig whose Open hands out f (or fails with openErr) and whose PinProcess
// records the device instead of changing this process's environment.
func pinWith(f *Fake, openErr error, pinned *DeviceInfo, log *bytes.Buffer) PinConfig {
	return PinConfig{
		Log: zerolog.New(log),
		Open: func(zerolog.Logger) (Provider, error) {
			if openErr != nil {
				return nil, openErr
			}
			return f, nil
		},
		PinProcess: func(d DeviceInfo) (int, error) { *pinned = d; return 0, nil },
	}
}

func TestPinCPUModeReadsNoGPU(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"", "cpu", " cpu "} {
		var log bytes.Buffer
		var pinned DeviceInfo
		cfg := pinWith(nil, errors.New("Open must not be called"), &pinned, &log)
		cfg.Spec = spec
		g, err := Pin(context.Background(), cfg)
		require.NoError(t, err, spec)
		require.Nil(t, g, spec)
		require.False(t, g.OnGPU("faces"))
		require.Equal(t, "cpu", g.DeviceOf("faces"))
		require.Nil(t, g.Telemetry(context.Background()))
		g.Close() // a nil Pinned closes nothing
	}
}

func TestPinWithoutDriver(t *testing.T) {
	t.Parallel()
	queues := []QueueNeed{{"keyframes", 0}, {"faces", 512}}
	var log bytes.Buffer
	var pinned DeviceInfo
	cfg := pinWith(nil, ErrNoDriver, &pinned, &log)
	cfg.Queues = queues
	g, err := Pin(context.Background(), cfg)
	require.NoError(t, err)
	require.Nil(t, g, "GPU queues fall back to the CPU")
	require.Contains(t, log.String(), "these GPU queues run on the CPU")
	require.Contains(t, log.String(), `"queues":["keyframes","faces"]`)

	cfg.RequireGPU = true
	_, err = Pin(context.Background(), cfg)
	require.ErrorContains(t, err, "queues keyframes, faces need a GPU (device: gpu) and require_gpu is set")

	cfg = pinWith(nil, errors.New("NVML: permission denied"), &pinned, &log)
	cfg.Queues = queues
	_, err = Pin(context.Background(), cfg)
	require.ErrorContains(t, err, "reading the GPUs: NVML: permission denied", "only a missing driver falls back")
}

func TestPinRefusals(t *testing.T) {
	t.Parallel()
	d := FakeDevice(0, "NVIDIA T", 4096)
	for _, tc := range []struct {
		name, spec string
		need       int64
		want       error
		wantMsg    string
	}{
		{"no such GPU", "3", 512, ErrNoSuchGPU, "--gpu 3: "},
		{"task larger than the GPU", "0", 4000, nil, "queue faces: vram_mib 4000 is more than"},
	} {
		f := NewFake(d)
		var log bytes.Buffer
		var pinned DeviceInfo
		cfg := pinWith(f, nil, &pinned, &log)
		cfg.Spec, cfg.Queues = tc.spec, []QueueNeed{{"faces", tc.need}}
		g, err := Pin(context.Background(), cfg)
		require.Nil(t, g, tc.name)
		require.ErrorContains(t, err, tc.wantMsg, tc.name)
		if tc.want != nil {
			require.ErrorIs(t, err, tc.want, tc.name)
		}
		_, err = f.Devices(context.Background())
		require.ErrorIs(t, err, ErrClosed, "%s: the provider is closed on refusal", tc.name)
	}

	// --gpu cpu with a GPU queue: CPU mode, provider closed.
	f := NewFake(d)
	var log bytes.Buffer
	var pinned DeviceInfo
	cfg := pinWith(f, nil, &pinned, &log)
	cfg.Spec, cfg.Queues = "cpu", []QueueNeed{{"faces", 512}}
	g, err := Pin(context.Background(), cfg)
	require.NoError(t, err)
	require.Nil(t, g)
}

func TestPinPinsAndAdmits(t *testing.T) {
	t.Parallel()
	small, big := FakeDevice(0, "NVIDIA S", 4096), FakeDevice(1, "NVIDIA B", 16384)
	f := NewFake(small, big)
	f.SetDriver(Driver{Version: "580.95.05", CUDAVersion: "13.0"})
	var log bytes.Buffer
	var pinned DeviceInfo
	cfg := pinWith(f, nil, &pinned, &log)
	cfg.Queues = []QueueNeed{{"faces", 1024}} // Spec "" means auto: the GPU with most free memory
	g, err := Pin(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(g.Close)
	require.Equal(t, big.UUID, g.Device.UUID)
	require.Equal(t, big.UUID, pinned.UUID, "the process is pinned to the chosen GPU")
	require.Equal(t, "13.0", g.Driver.CUDAVersion)
	require.Contains(t, log.String(), "pinned to GPU")

	require.True(t, g.OnGPU("faces"))
	require.False(t, g.OnGPU("keyframes"))
	require.Equal(t, int64(1024), g.NeedMiB("faces"))
	require.Equal(t, big.UUID, g.DeviceOf("faces"))
	require.Equal(t, "cpu", g.DeviceOf("keyframes"))

	// Admission keeps the default headroom: 16384-256 MiB usable, 15 tasks of 1024 MiB fit.
	var releases []func()
	for range 15 {
		r, err := g.Admission.Reserve(context.Background(), g.NeedMiB("faces"))
		require.NoError(t, err)
		releases = append(releases, r)
	}
	_, err = g.Admission.Reserve(context.Background(), g.NeedMiB("faces"))
	require.ErrorIs(t, err, ErrInsufficientVRAM)
	for _, r := range releases {
		r()
	}

	require.NoError(t, f.SetFree(big.UUID, 7000))
	require.Equal(t, int64(7000), g.Telemetry(context.Background()).FreeMiB(), "telemetry reads the GPU now")
	f.SetError(errors.New("GPU is lost"))
	require.Equal(t, big.FreeMiB(), g.Telemetry(context.Background()).FreeMiB(), "a failed read gives the device as pinned")

	g.RunOnCPU("faces")
	require.False(t, g.OnGPU("faces"))
	require.Equal(t, "cpu", g.DeviceOf("faces"))
}
