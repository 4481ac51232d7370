package main

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// TestFacesRunOnBothBuilds runs the same photos through the CPU build (ONNX Runtime 1.30) and,
// on the CPU, through the GPU build's core (1.29): both find the same faces, and every embedding
// agrees with its counterpart to 1e-3 in cosine, as scripts/gpu-check.sh requires of CPU and GPU.
func TestFacesRunOnBothBuilds(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	photos := []string{testenv.Sample(t, "messi5.jpg"), testenv.Sample(t, "astronaut.png")}
	gpuLib, _ := testenv.GPUBuild(t)
	args := append([]string{"faces", "run", "--embeddings", "--device", "cpu", "--repeat", "2"}, photos...)

	var cpu, gpuCore facesRunDoc
	e.json(&cpu, args...)
	require.Equal(t, "cpu", cpu.Build)
	require.Equal(t, "1.30.0", cpu.ONNXRuntime)
	require.Equal(t, "CPU", cpu.Provider)
	require.Equal(t, 2, cpu.Photos)
	require.Equal(t, 4, cpu.Images)
	require.Positive(t, cpu.ImagesPerSecond)

	e.extra = []string{"MEDIAFLEET_ORT_LIB=" + gpuLib}
	e.json(&gpuCore, args...)
	require.Equal(t, "1.29.0", gpuCore.ONNXRuntime)
	require.Equal(t, gpuLib, gpuCore.Library)

	require.Equal(t, 2, cpu.Faces, "messi5.jpg and astronaut.png hold one face each")
	require.Len(t, gpuCore.Results, len(cpu.Results))
	for i, r := range cpu.Results {
		g := gpuCore.Results[i]
		require.Equal(t, r.Path, g.Path)
		require.Len(t, g.Faces, len(r.Faces), r.Path)
		for j, f := range r.Faces {
			require.Len(t, f.Embedding, 512)
			require.GreaterOrEqual(t, cosine(f.Embedding, g.Faces[j].Embedding), 1-1e-3, "%s face %d", r.Path, j)
		}
	}
}

// TestFacesRunRequireGPUWithoutDriver: asked for the GPU with require_gpu on a machine without
// an NVIDIA driver, faces run refuses with the worker's sentence; without require_gpu it runs on
// the CPU and says so.
func TestFacesRunRequireGPUWithoutDriver(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	photo := testenv.Sample(t, "astronaut.png")
	_, errOut, err := e.run("faces", "run", "--device", "gpu", "--require-gpu", photo)
	require.Error(t, err)
	require.Contains(t, errOut, "queues faces need a GPU (device: gpu) and require_gpu is set")

	var doc facesRunDoc
	e.json(&doc, "faces", "run", "--device", "gpu", photo)
	require.Equal(t, "cpu", doc.Build)
	require.Equal(t, "CPU", doc.Provider)
	require.Contains(t, doc.Fallback, "this worker has none")
	require.Nil(t, doc.GPU)
	require.Equal(t, 1, doc.Faces)
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}
