package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
)

// holdingVLM answers the OpenAI API, but holds every caption request that arrives before
// Release (its worker is about to be killed) until the client goes away, and answers the rest
// at once. It notes when each answered request arrived.
type holdingVLM struct {
	mu       sync.Mutex
	released bool
	held     int
	answered []time.Time
}

func (f *holdingVLM) Release() {
	f.mu.Lock()
	f.released = true
	f.mu.Unlock()
}

func (f *holdingVLM) counts() (held int, answered []time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.held, slices.Clone(f.answered)
}

func (f *holdingVLM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/models":
		fmt.Fprint(w, `{"object":"list","data":[{"id":"test-vlm","object":"model"}]}`)
		return
	case "/v1/chat/completions":
	default:
		http.NotFound(w, r)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	f.mu.Lock()
	if !f.released {
		f.held++
		f.mu.Unlock()
		<-r.Context().Done() // held until its worker dies
		return
	}
	f.answered = append(f.answered, time.Now())
	f.mu.Unlock()
	fmt.Fprint(w, `{"id":"c1","object":"chat.completion","model":"test-vlm","choices":[{"index":0,"message":{"role":"assistant","content":"A person in a photo."},"finish_reason":"stop"}]}`)
}

// logLines collects a worker's JSON log lines.
type logLines struct {
	mu    sync.Mutex
	lines []map[string]any
}

func (l *logLines) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			l.mu.Lock()
			l.lines = append(l.lines, m)
			l.mu.Unlock()
		}
	}
}

// count tells how many lines have message msg, by task id.
func (l *logLines) count(msg string) map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for _, m := range l.lines {
		if m["message"] == msg {
			id, _ := m["task_id"].(string)
			out[id]++
		}
	}
	return out
}

// TestKill9TasksBackWithinSeconds: with the default heartbeat settings, worker A holds every
// captions task when it is killed with SIGKILL; worker B, with its own data dir on the same
// store, runs each of them again (the time from the kill is printed) and completes each exactly
// once, because B's recovery pass requeued them, not asynq's own lease recovery.
func TestKill9TasksBackWithinSeconds(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	srv := testenv.StartRedis(t)
	e.redis, e.ownRedis = srv.URL(), true
	fake := &holdingVLM{}
	vlm := httptest.NewServer(fake)
	t.Cleanup(vlm.Close)
	store := filepath.Join(t.TempDir(), "results.db")
	e.extra = []string{"MEDIAFLEET_CAPTION_BACKEND=openai", "MEDIAFLEET_CAPTION_URL=" + vlm.URL,
		"MEDIAFLEET_CAPTION_MODEL=test-vlm", "MEDIAFLEET_STORE=" + store}
	photos := []string{e.addSample("astronaut.png", "a.png"), e.addSample("messi5.jpg", "m.jpg")}
	mirrored := filepath.Join(e.lib, "m2.jpg")
	testenv.MirrorScaled(t, testenv.Sample(t, "messi5.jpg"), mirrored)
	photos = append(photos, mirrored)
	var s enqueueSummary
	e.json(&s, "enqueue", "--catalog", "dir:"+e.lib, "--kinds", "captions")
	require.Equal(t, len(photos), s.Enqueued)

	start := func(name string) (*exec.Cmd, *logLines) {
		cmd := exec.Command(binary, "worker", "--queues", "captions=4")
		cmd.Env = append(append(e.environ(), e.extra...), "MEDIAFLEET_DATA_DIR="+filepath.Join(t.TempDir(), name))
		stderr, err := cmd.StderrPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		logs := &logLines{}
		go logs.read(stderr)
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd, logs
	}
	a, _ := start("a")
	require.Eventually(t, func() bool { held, _ := fake.counts(); return held == len(photos) },
		60*time.Second, 50*time.Millisecond, "worker A never held every task")
	b, blogs := start("b")
	var workers workersDoc
	require.Eventually(t, func() bool {
		workers = workersDoc{}
		out, _, err := e.run("workers", "--json")
		return err == nil && json.Unmarshal([]byte(out), &workers) == nil && len(workers.Workers) == 2
	}, 30*time.Second, 100*time.Millisecond, "worker B never joined")

	fake.Release()
	require.NoError(t, a.Process.Signal(syscall.SIGKILL))
	killed := time.Now()
	_ = a.Wait()

	opt, err := redisconn.ParseRedisURL(e.redis)
	require.NoError(t, err)
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	queue := tasks.QueueName(e.prefix, tasks.Captions)
	require.Eventually(t, func() bool {
		info, err := insp.GetQueueInfo(queue)
		return err == nil && info.Processed == len(photos) && info.Pending+info.Active+info.Retry == 0
	}, 3*time.Minute, 100*time.Millisecond, "worker B never finished the tasks")

	_, answered := fake.counts()
	require.Len(t, answered, len(photos), "each task ran once after the kill")
	var took []string
	for _, at := range answered {
		took = append(took, at.Sub(killed).Round(100*time.Millisecond).String())
	}
	fmt.Printf("kill -9 recovery (kill to the task running again on another worker): %s\n", strings.Join(took, ", "))
	t.Logf("kill -9 recovery: %s", strings.Join(took, ", "))

	done := blogs.count("task done")
	requeued := blogs.count("worker registry: requeued a task of a worker whose heartbeat stopped")
	require.Len(t, done, len(photos))
	for id, n := range done {
		require.Equal(t, 1, n, "task %s done once", id)
		require.Equal(t, 1, requeued[id], "task %s came back through the registry's recovery", id)
	}
	for _, p := range photos {
		var d struct {
			Captions []struct {
				Text string `json:"text"`
			} `json:"captions"`
		}
		e.json(&d, "show", p)
		require.Len(t, d.Captions, 1, p)
	}
	require.NoError(t, b.Process.Signal(syscall.SIGTERM))
}
