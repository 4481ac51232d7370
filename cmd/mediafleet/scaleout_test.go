package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// shortVideo makes a 4 s test-pattern video with a keyframe every second (ffmpeg).
func shortVideo(t testing.TB, dst string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
		"-t", "4", "-g", "25", "-c:v", "mpeg4", "-q:v", "5", dst).CombinedOutput()
	require.NoError(t, err, "ffmpeg: %s", out)
}

// fleetWorker is one worker process of a scale-out run with its own data dir and metrics.
type fleetWorker struct {
	queues  map[string]int // queue kind -> concurrency
	metrics string
	proc    *proc
	mu      sync.Mutex
	maxSeen map[string]int // queue kind -> most tasks seen in flight at once
}

var inFlightLine = regexp.MustCompile(`(?m)^mediafleet_tasks_in_flight\{queue="[^"]*:([a-z]+)"\} (\d+)`)

// sample reads the worker's /metrics once and keeps the most tasks in flight per queue.
func (w *fleetWorker) sample() {
	resp, err := http.Get("http://" + w.metrics + "/metrics")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	w.mu.Lock()
	defer w.mu.Unlock()
	for sc.Scan() {
		if m := inFlightLine.FindStringSubmatch(sc.Text()); m != nil {
			n, _ := strconv.Atoi(m[2])
			w.maxSeen[m[1]] = max(w.maxSeen[m[1]], n)
		}
	}
}

// scaleOutResult is what a scale-out run measured.
type scaleOutResult struct {
	Tasks int
	Drain time.Duration
}

// scaleOut runs three worker processes with different queue sets and data dirs on one
// PostgreSQL store over a library of photos (a few with real faces) and short videos, and
// checks that every result is there exactly once, that no task ran twice, and that no worker
// ever ran more tasks of a queue at once than its concurrency.
func scaleOut(t *testing.T, photos, videos int) scaleOutResult {
	e := newBed(t)
	e.redis, e.ownRedis = testenv.StartRedis(t).URL(), true
	st := storetest.PostgresSpec(t)
	vlm := httptest.NewServer(&fakeVLM{})
	t.Cleanup(vlm.Close)
	e.extra = []string{"MEDIAFLEET_STORE=" + st, "MEDIAFLEET_CAPTION_BACKEND=openai", "MEDIAFLEET_CAPTION_URL=" + vlm.URL,
		"MEDIAFLEET_CAPTION_MODEL=test-vlm", "MEDIAFLEET_LOG_LEVEL=warn"}

	faces := min(20, photos)
	smallLibrary(t, filepath.Join(e.lib, "small"), photos-faces)
	linkLibrary(t, testenv.Sample(t, "astronaut.png"), filepath.Join(e.lib, "faces"), faces)
	if videos > 0 {
		src := filepath.Join(t.TempDir(), "clip.mp4")
		shortVideo(t, src)
		dir := filepath.Join(e.lib, "videos")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for i := range videos {
			require.NoError(t, os.Link(src, filepath.Join(dir, fmt.Sprintf("v%05d.mp4", i))))
		}
	}
	var s enqueueSummary
	e.json(&s, "enqueue", "--catalog", "dir:"+e.lib)
	require.Equal(t, photos+videos, s.Assets)
	require.Zero(t, s.Errors)

	workers := []*fleetWorker{
		{queues: map[string]int{"keyframes": 2, "faces": 2}},
		{queues: map[string]int{"faces": 3, "captions": 2}},
		{queues: map[string]int{"captions": 4, "keyframes": 1}},
	}
	start := time.Now()
	for i, w := range workers {
		w.metrics, w.maxSeen = freeAddr(t), map[string]int{}
		spec := ""
		for _, k := range []string{"keyframes", "faces", "captions"} {
			if c, ok := w.queues[k]; ok {
				spec += fmt.Sprintf(",%s=%d", k, c)
			}
		}
		w.proc = startProc(t, e, []string{"MEDIAFLEET_DATA_DIR=" + filepath.Join(t.TempDir(), fmt.Sprintf("worker%d", i))},
			"worker", "--queues", spec[1:], "--metrics-listen", w.metrics)
	}
	ctx, stop := context.WithCancel(context.Background())
	var sampling sync.WaitGroup
	for _, w := range workers {
		sampling.Go(func() {
			for ctx.Err() == nil {
				w.sample()
				time.Sleep(20 * time.Millisecond) // sampling period
			}
		})
	}

	conn, err := pgx.Connect(t.Context(), st)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	count := func(q string) int {
		var n int
		require.NoError(t, conn.QueryRow(t.Context(), q).Scan(&n))
		return n
	}
	keyframesOf := func() int { return count("SELECT count(*) FROM keyframes") }
	videosDone := func() int { return count("SELECT count(DISTINCT asset) FROM keyframes") }
	deadline := time.Now().Add(time.Duration(photos+videos*10)*50*time.Millisecond + 2*time.Minute)
	for {
		k := keyframesOf()
		if videosDone() == videos && count("SELECT count(*) FROM face_scans") == photos+k &&
			count("SELECT count(*) FROM captions") == photos+k {
			break
		}
		if time.Now().After(deadline) {
			for _, w := range workers {
				t.Logf("worker %v log:\n%s", w.queues, tail(w.proc.Log(), 3000))
			}
			t.Fatalf("not drained: videos with keyframes %d/%d, face scans %d, captions %d of %d",
				videosDone(), videos, count("SELECT count(*) FROM face_scans"), count("SELECT count(*) FROM captions"), photos+k)
		}
		time.Sleep(200 * time.Millisecond) // polling the store; the condition decides
	}
	drain := time.Since(start)
	stop()
	sampling.Wait()
	k := keyframesOf()
	require.Positive(t, k)

	// No task ran twice: asynq's processed counts equal the tasks planned.
	var status struct {
		Queues []struct {
			Kind                                        string
			Pending, Active, Retry, Archived, Processed int
		} `json:"queues"`
	}
	e.json(&status, "status")
	want := map[string]int{"keyframes": videos, "faces": photos + k, "captions": photos + k}
	total := 0
	for _, q := range status.Queues {
		if n, ok := want[q.Kind]; ok {
			require.Zero(t, q.Pending+q.Active+q.Retry+q.Archived, q.Kind)
			require.Equal(t, n, q.Processed, "%s: each task ran once", q.Kind)
			total += n
		}
	}
	require.Equal(t, videos+2*(photos+k), total)
	require.Positive(t, count("SELECT count(*) FROM faces"), "the real models found the faces")
	for _, w := range workers {
		require.NoError(t, w.proc.stop(t, time.Minute))
		for kind, c := range w.queues {
			require.LessOrEqual(t, w.maxSeen[kind], c, "worker %v: %s in flight above its concurrency", w.queues, kind)
		}
		t.Logf("worker %v: most in flight seen %v", w.queues, w.maxSeen)
	}
	return scaleOutResult{Tasks: total, Drain: drain}
}

// TestScaleOutThreeWorkers drains over 5,000 tasks (photos, a few with faces, and short
// videos whose keyframes feed faces and captions) with three workers of different queue sets.
func TestScaleOutThreeWorkers(t *testing.T) {
	t.Parallel()
	r := scaleOut(t, 2450, 20)
	require.GreaterOrEqual(t, r.Tasks, 5000)
	t.Logf("%d tasks in %s: %.0f tasks/s", r.Tasks, r.Drain.Round(time.Millisecond), float64(r.Tasks)/r.Drain.Seconds())
}
