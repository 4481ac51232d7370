package ort_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

func open(t testing.TB, log zerolog.Logger) *ort.Runtime {
	t.Helper()
	rt, err := ort.Open(ort.Config{LibraryPath: testenv.ORTLib(t)}, log)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, rt.Close()) })
	return rt
}

func TestOpenSharesOneEnvironment(t *testing.T) {
	a := open(t, zerolog.Nop())
	b := open(t, zerolog.Nop())
	require.Equal(t, "1.30.0", a.Version())
	require.Equal(t, a.LibraryPath(), b.LibraryPath())
	// Closing one handle leaves the environment to the other.
	require.NoError(t, a.Close())
	require.NoError(t, a.Close(), "a second Close is a no-op")
	s, err := b.NewSession(filepath.Join(testenv.ModelsDir(t), "fr_landmark.onnx"), ort.SessionConfig{CUDADevice: ort.CPU})
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

func TestOpenAfterLastCloseReloads(t *testing.T) {
	for range 2 {
		rt, err := ort.Open(ort.Config{LibraryPath: testenv.ORTLib(t)}, zerolog.Nop())
		require.NoError(t, err)
		s, err := rt.NewSession(filepath.Join(testenv.ModelsDir(t), "fr_landmark.onnx"), ort.SessionConfig{CUDADevice: ort.CPU})
		require.NoError(t, err)
		require.NoError(t, s.Close())
		require.NoError(t, rt.Close())
	}
}

func TestOpenSecondLibraryIsAnError(t *testing.T) {
	open(t, zerolog.Nop())
	other := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	require.NoError(t, os.WriteFile(other, []byte("not a library"), 0o644))
	_, err := ort.Open(ort.Config{LibraryPath: other}, zerolog.Nop())
	require.ErrorContains(t, err, "already loaded from")
	require.ErrorContains(t, err, other)
}

func TestMissingLibraryNamesPathAndSetup(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere", "libonnxruntime.so.1")
	_, err := ort.Open(ort.Config{LibraryPath: missing}, zerolog.Nop())
	require.ErrorContains(t, err, missing)
	require.ErrorContains(t, err, "go tool task setup")
}

func TestMissingModelNamesPathAndSetup(t *testing.T) {
	rt := open(t, zerolog.Nop())
	missing := filepath.Join(t.TempDir(), "fr_feature.onnx")
	_, err := rt.NewSession(missing, ort.SessionConfig{CUDADevice: ort.CPU})
	require.ErrorContains(t, err, missing)
	require.ErrorContains(t, err, "does not exist")
	require.ErrorContains(t, err, "go tool task setup")

	empty := filepath.Join(t.TempDir(), "empty.onnx")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	_, err = rt.NewSession(empty, ort.SessionConfig{CUDADevice: ort.CPU})
	require.ErrorContains(t, err, "is empty")
}

func TestUnknownInputNameListsTheModelsNames(t *testing.T) {
	rt := open(t, zerolog.Nop())
	_, err := rt.NewSession(filepath.Join(testenv.ModelsDir(t), "fr_feature.onnx"),
		ort.SessionConfig{CUDADevice: ort.CPU, Inputs: []string{"data"}})
	require.ErrorContains(t, err, `no input named "data"`)
	require.ErrorContains(t, err, "[input]")
}

func TestRunFeatureModel(t *testing.T) {
	rt := open(t, zerolog.Nop())
	s, err := rt.NewSession(filepath.Join(testenv.ModelsDir(t), "fr_feature.onnx"), ort.SessionConfig{CUDADevice: ort.CPU, IntraOpThreads: 1})
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, []ort.IOInfo{{Name: "input", Shape: []int64{1, 3, 112, 112}}}, s.Inputs())
	require.Equal(t, []ort.IOInfo{{Name: "output", Shape: []int64{1, 512}}}, s.Outputs())
	require.False(t, s.DynamicBatch())
	require.Equal(t, "CPU", s.Provider())

	in, err := ort.NewTensor(1, 3, 112, 112)
	require.NoError(t, err)
	defer in.Close()
	out, err := ort.NewTensor(1, 512)
	require.NoError(t, err)
	defer out.Close()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range in.Data() {
		in.Data()[i] = r.Float32()*2 - 1
	}
	require.NoError(t, s.Run([]*ort.Tensor{in}, []*ort.Tensor{out}))
	var norm float64
	for _, v := range out.Data() {
		require.False(t, math.IsNaN(float64(v)))
		norm += float64(v) * float64(v)
	}
	require.Greater(t, norm, 0.0)

	wrong, err := ort.NewTensor(2, 3, 112, 112)
	require.NoError(t, err)
	defer wrong.Close()
	require.Error(t, s.Run([]*ort.Tensor{wrong}, []*ort.Tensor{out}), "batch 2 on a model fixed at batch 1")
}

// TestCUDAFallback asks for CUDA device 0. Where the CUDA execution provider cannot be
// used (no GPU, or a library without the CUDA provider, as the npm build is) the sessions
// run on the CPU and the log holds exactly one warning; with RequireGPU it is an error.
func TestCUDAFallback(t *testing.T) {
	var logs bytes.Buffer
	rt := open(t, zerolog.New(&logs))
	model := filepath.Join(testenv.ModelsDir(t), "fr_landmark.onnx")
	var providers []string
	for range 2 {
		s, err := rt.NewSession(model, ort.SessionConfig{CUDADevice: 0})
		require.NoError(t, err)
		providers = append(providers, s.Provider())
		require.NoError(t, s.Close())
	}
	warnings := strings.Count(logs.String(), `"level":"warn"`)
	_, gpuErr := rt.NewSession(model, ort.SessionConfig{CUDADevice: 0, RequireGPU: true})
	if providers[0] == "CUDA:0" {
		require.Equal(t, 0, warnings)
		require.NoError(t, gpuErr)
		return
	}
	require.Equal(t, []string{"CPU", "CPU"}, providers)
	require.Equal(t, 1, warnings, "one warning for the fallback, not one per session: %s", logs.String())
	require.Contains(t, logs.String(), "running ONNX models on the CPU")
	require.ErrorContains(t, gpuErr, "CUDA device 0 was asked for and a GPU is required")
	require.ErrorContains(t, gpuErr, model)
}
