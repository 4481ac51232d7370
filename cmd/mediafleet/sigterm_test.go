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

	"github.com/mediafleet/mediafleet/internal/testenv"
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

// TestSIGTERMFinishesTasksWithinGrace stops a worker with SIGTERM while four long captions
// tasks run and the grace is longer than they need: the worker takes nothing new, lets the four
// finish and store their captions, and exits 0; the rest stay queued for the next worker, and
// in the end every photo is captioned exactly once.
func TestSIGTERMFinishesTasksWithinGrace(t *testing.T) {
	t.Parallel()
	b := newFaultBed(t, testenv.StartRedis(t).URL(), 12)
	b.vlm.delay.Store(int64(3 * time.Second))
	require.Equal(t, b.n, b.enqueue())
	w := b.worker("MEDIAFLEET_SHUTDOWN_GRACE=1m")
	require.Eventually(t, func() bool { return b.vlm.active.Load() == 4 }, 60*time.Second, 10*time.Millisecond,
		"four captions run at once")
	before, _ := b.captions()
	require.NoError(t, w.stop(t, 2*time.Minute), "a worker stopped by SIGTERM exits 0")
	after, _ := b.captions()
	require.Equal(t, before+4, after, "the four tasks running at SIGTERM finished within the grace and were stored")
	require.NotContains(t, w.Log(), "task interrupted", "none was cut short")

	b.must("--config", b.config, "worker", "--until-empty", "--queues", "captions=4")
	b.waitAllDone(time.Minute, w)
}
