package main

import (
	"bufio"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSIGTERMLosesNothing stops a worker with SIGTERM while a task runs: the worker exits 0,
// the interrupted task goes back to its queue, and a second worker completes every video.
func TestSIGTERMLosesNothing(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	var videos []string
	for i := range 4 {
		videos = append(videos, e.addSample("vtest.avi", fmt.Sprintf("v%d.avi", i)))
	}
	var s enqueueSummary
	e.json(&s, "enqueue", "--catalog", "dir:"+e.lib)
	require.Equal(t, 4, s.Enqueued)

	cmd := exec.Command(binary, "worker", "--queues", "keyframes=1", "--shutdown-grace", "50ms", "--log-level", "debug")
	cmd.Env = e.environ()
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stderr)
	started := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), "task started") {
			started = true
			break
		}
	}
	require.True(t, started, "the worker never started a task")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	go func() {
		for sc.Scan() { // drain so the worker never blocks on a full pipe
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "a worker stopped by SIGTERM exits 0")
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the worker did not stop within 60 s of SIGTERM")
	}

	var st struct {
		Queues []struct {
			Kind                                        string
			Pending, Active, Retry, Archived, Processed int
		} `json:"queues"`
	}
	e.json(&st, "status")
	for _, q := range st.Queues {
		if q.Kind == "keyframes" {
			require.Zero(t, q.Active+q.Archived+q.Retry, "nothing is left running, retrying or archived")
			require.Equal(t, 4, q.Pending+q.Processed, "every task is done or back in the queue")
			require.Less(t, q.Processed, 4, "SIGTERM came while tasks were left")
		}
	}

	e.must("worker", "--until-empty", "--queues", "keyframes=2,faces=2")
	for _, v := range videos {
		var d showDoc
		e.json(&d, "show", v)
		require.NotEmpty(t, d.Keyframes, v)
	}
}
