package gpu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDescribeWithoutDriverIsOneSentenceAndNoError(t *testing.T) {
	t.Parallel()
	rep, err := Describe(context.Background(), nil, ErrNoDriver)
	require.NoError(t, err, "no driver is a normal outcome for `mediafleet gpus`")

	b, err := json.Marshal(rep)
	require.NoError(t, err)
	require.JSONEq(t, `{"driver":false,"message":"no NVIDIA driver found (libnvidia-ml not loadable): running in CPU-only mode","devices":[]}`, string(b))

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	require.Equal(t, ErrNoDriver.Error()+"\n", text.String())
}

func TestDescribeListsDevices(t *testing.T) {
	t.Parallel()
	f, a, b := twoGPUs(t)
	rep, err := Describe(context.Background(), f, nil)
	require.NoError(t, err)
	require.True(t, rep.Driver)
	require.Equal(t, "2 NVIDIA GPUs found", rep.Message)
	require.Equal(t, []DeviceInfo{a, b}, rep.Devices)

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	require.Contains(t, text.String(), a.UUID)
	require.Contains(t, text.String(), "4576/24576 MiB")

	var round Report
	js, _ := json.Marshal(rep)
	require.NoError(t, json.Unmarshal(js, &round))
	require.Equal(t, rep, round)
}

func TestDescribeFailures(t *testing.T) {
	t.Parallel()
	f, _, _ := twoGPUs(t)
	f.SetError(errors.New("GPU is lost"))
	rep, err := Describe(context.Background(), f, nil)
	require.Error(t, err)
	require.True(t, rep.Driver)
	require.Contains(t, rep.Message, "GPU is lost")

	other := errors.New("NVML started but could not count GPUs")
	_, err = Describe(context.Background(), nil, other)
	require.ErrorIs(t, err, other)
}
