package main

import (
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// TestWorkerMetrics: a worker's /metrics shows the faces task it ran, the embedding batch
// sizes, and its tasks in flight.
func TestWorkerMetrics(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	e.addSample("astronaut.png", "a.png")
	e.must("enqueue", "--catalog", "dir:"+e.lib, "--kinds", "faces")
	addr := freeAddr(t)
	cmd := exec.Command(binary, "worker", "--queues", "faces=1", "--metrics-listen", addr)
	cmd.Env = e.environ()
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()

	var body string
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return strings.Contains(body, `mediafleet_task_duration_seconds_count{kind="faces",outcome="ok"} 1`)
	}, 60*time.Second, 200*time.Millisecond, "the faces task never showed in /metrics")
	require.Contains(t, body, "mediafleet_face_embedding_batch_size_count 1", "one face, one embedding run")
	require.Contains(t, body, `mediafleet_tasks_in_flight{queue="`+e.prefix+`:faces"} 0`)
	require.Contains(t, body, "mediafleet_gpu_admission_waits_total 0")
}
