package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestGPUsWithoutDriver: on a machine without an NVIDIA driver, `gpus` says so in one sentence
// and exits 0.
func TestGPUsWithoutDriver(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	out := e.must("gpus")
	require.Equal(t, 1, strings.Count(strings.TrimSpace(out), "\n")+1, out)
	require.Contains(t, out, "no NVIDIA driver")
	var rep struct {
		Driver  bool  `json:"driver"`
		Devices []any `json:"devices"`
	}
	e.json(&rep, "gpus")
	require.False(t, rep.Driver)
	require.Empty(t, rep.Devices)
}

func writeConfig(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "fleet.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

// TestGPUQueuesFallBackToCPU: a faces queue configured for the GPU runs on the CPU when there
// is no driver and fallback is allowed, and the worker refuses to start with require_gpu.
func TestGPUQueuesFallBackToCPU(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	photo := e.addSample("astronaut.png", "astronaut.png")
	cfg := writeConfig(t, "queues:\n  faces: {concurrency: 1, device: gpu, vram_mib: 512, timeout: 5m}\n")
	e.must("--config", cfg, "enqueue", "--catalog", "dir:"+e.lib, "--kinds", "faces")
	_, errOut, err := e.run("--config", cfg, "worker", "--until-empty", "--require-gpu")
	require.Error(t, err)
	require.Contains(t, errOut, "need a GPU")
	require.Contains(t, errOut, "require_gpu")

	_, errOut, err = e.run("--config", cfg, "worker", "--until-empty")
	require.NoError(t, err, errOut)
	require.Contains(t, errOut, "run on the CPU")
	require.Contains(t, errOut, "ONNX Runtime cpu build 1.30.0 (", "one line names the build")
	require.Contains(t, errOut, "), execution provider CPU, on the CPU because the faces queue asks for a GPU and this worker has none")
	var d showDoc
	e.json(&d, "show", photo)
	require.Len(t, d.Faces, 1, "astronaut.png holds one face")
}

type workersDoc struct {
	Workers []struct {
		ID     string `json:"id"`
		PID    int    `json:"pid"`
		Queues []struct {
			Name        string `json:"name"`
			Concurrency int    `json:"concurrency"`
			Device      string `json:"device"`
		} `json:"queues"`
	} `json:"workers"`
}

// TestRegistryShowsWorkerAndDropsKilledOne: a worker appears in `workers` within a heartbeat of
// its start, and one killed with SIGKILL is gone within the TTL.
func TestRegistryShowsWorkerAndDropsKilledOne(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	cfg := writeConfig(t, "worker: {heartbeat: 300ms, heartbeat_ttl: 1500ms}\n")
	cmd := exec.Command(binary, "--config", cfg, "worker", "--queues", "keyframes=3")
	cmd.Env = e.environ()
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()

	var doc workersDoc
	require.Eventually(t, func() bool {
		doc = workersDoc{}
		out, _, err := e.run("--config", cfg, "workers", "--json")
		return err == nil && json.Unmarshal([]byte(out), &doc) == nil && len(doc.Workers) == 1
	}, 20*time.Second, 100*time.Millisecond, "the worker never showed up")
	w := doc.Workers[0]
	require.Equal(t, cmd.Process.Pid, w.PID)
	require.Len(t, w.Queues, 1)
	require.Equal(t, 3, w.Queues[0].Concurrency)
	require.Equal(t, "cpu", w.Queues[0].Device)

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.Eventually(t, func() bool {
		doc = workersDoc{}
		out, _, err := e.run("--config", cfg, "workers", "--json")
		return err == nil && json.Unmarshal([]byte(out), &doc) == nil && len(doc.Workers) == 0
	}, 10*time.Second, 100*time.Millisecond, "a killed worker stayed in the registry")
}
