package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/enqueuer"
	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
)

// BenchmarkEnqueueFolder times the whole `mediafleet enqueue` command on a folder of 10,000
// photos (walk, plan, store check, enqueue: 20,000 faces and captions tasks) against two
// baselines measured in the same run on the same Redis: a plain one-goroutine asynq.Client
// loop over the same tasks ("x_vs_loop", goal at least 6), and the limit, the same enqueue
// script run by a pipelined client that does nothing else ("limit_x", how many times faster
// that is; goal at most 2).
func BenchmarkEnqueueFolder(b *testing.B) {
	const photos = 10_000
	e := newBed(b)
	smallLibrary(b, e.lib, photos)
	e.extra = []string{"MEDIAFLEET_CAPTION_BACKEND=openai", "MEDIAFLEET_CAPTION_URL=http://127.0.0.1:9/", "MEDIAFLEET_CAPTION_MODEL=m"}
	opt, err := redisconn.ParseRedisURL(e.redis)
	require.NoError(b, err)
	client, insp := asynq.NewClient(opt), asynq.NewInspector(opt)
	defer client.Close()
	defer insp.Close()
	rdb, err := redisconn.RedisClient(e.redis)
	require.NoError(b, err)
	defer rdb.Close()
	batch := enqueuer.NewBatchClient(rdb)

	var loop, ours, limit time.Duration
	n := 0
	for i := range b.N {
		prefix := func(phase string) string { return fmt.Sprintf("%s-%s%d", e.prefix, phase, i) }
		envs := folderTasks(b, e.lib, prefix("loop"))
		n = len(envs)
		start := time.Now()
		for _, env := range envs {
			_, err := client.Enqueue(asynqtask.FromEnvelope(env))
			require.NoError(b, err)
		}
		loop += time.Since(start)

		envs = folderTasks(b, e.lib, prefix("limit"))
		start = time.Now()
		sendPipelined(b, batch, envs, 8, 64)
		limit += time.Since(start)

		e.prefix = prefix("ours")
		e.dataDir = b.TempDir()
		start = time.Now()
		out := e.must("enqueue", "--catalog", "dir:"+e.lib)
		ours += time.Since(start)
		require.Contains(b, out, fmt.Sprintf("enqueued %d tasks", n))

		b.StopTimer()
		for _, p := range []string{prefix("loop"), prefix("limit"), prefix("ours")} {
			for _, k := range []tasks.Kind{tasks.Faces, tasks.Captions} {
				_ = insp.DeleteQueue(tasks.QueueName(p, k), true)
			}
		}
		b.StartTimer()
	}
	perSec := func(d time.Duration) float64 { return float64(n*b.N) / d.Seconds() }
	b.ReportMetric(perSec(ours), "tasks/s")
	b.ReportMetric(perSec(loop), "loop_tasks/s")
	b.ReportMetric(perSec(limit), "limit_tasks/s")
	b.ReportMetric(loop.Seconds()/ours.Seconds(), "x_vs_loop")
	b.ReportMetric(ours.Seconds()/limit.Seconds(), "limit_x")
}

// folderTasks seals the faces and captions tasks of every photo in dir as enqueue plans them.
func folderTasks(tb testing.TB, dir, prefix string) []tasks.Envelope {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(tb, err)
	var out []tasks.Envelope
	for _, de := range entries {
		path := filepath.Join(dir, de.Name())
		st, err := os.Stat(path)
		require.NoError(tb, err)
		ref := tasks.AssetRef{Key: tasks.AssetKey("", path, st.Size(), st.ModTime().Unix()), Path: path,
			Size: st.Size(), MTime: st.ModTime().Unix(), Mime: "image/jpeg"}
		frame := tasks.FrameRef{Asset: ref, Image: path, ModelVersion: "bench-v1"}
		for _, p := range []tasks.Payload{&tasks.FacesPayload{FrameRef: frame}, &tasks.CaptionsPayload{FrameRef: frame}} {
			env, err := tasks.Seal(p, tasks.Options{Prefix: prefix})
			require.NoError(tb, err)
			out = append(out, env)
		}
	}
	return out
}

// sendPipelined sends envs in batches of size from workers goroutines: Redis's own pace.
func sendPipelined(tb testing.TB, c *enqueuer.BatchClient, envs []tasks.Envelope, workers, size int) {
	var wg sync.WaitGroup
	next := make(chan []tasks.Envelope)
	for range workers {
		wg.Go(func() {
			for batch := range next {
				for _, err := range c.Send(context.Background(), batch) {
					if err != nil {
						tb.Error(err)
					}
				}
			}
		})
	}
	for i := 0; i < len(envs); i += size {
		next <- envs[i:min(i+size, len(envs))]
	}
	close(next)
	wg.Wait()
}

// BenchmarkWorkerRSS drains 10,000 faces tasks (a 256-pixel portrait each, the whole pipeline
// and the store) through one worker process and reads its resident memory after the first
// 1,000 and after all 10,000: "growth" is their ratio, flat when it stays near 1.
func BenchmarkWorkerRSS(b *testing.B) {
	const photos = 10_000
	e := newBed(b)
	portrait := filepath.Join(b.TempDir(), "portrait.jpg")
	out, err := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", testenv.Sample(b, "astronaut.png"),
		"-vf", "scale=256:256", portrait).CombinedOutput()
	require.NoError(b, err, "ffmpeg: %s", out)
	linkLibrary(b, portrait, e.lib, photos)
	opt, err := redisconn.ParseRedisURL(e.redis)
	require.NoError(b, err)
	insp := asynq.NewInspector(opt)
	defer insp.Close()

	var rss1k, rss10k float64
	for range b.N {
		e.prefix, e.dataDir = testenv.Prefix(b), b.TempDir()
		e.must("enqueue", "--catalog", "dir:"+e.lib, "--kinds", "faces")
		queue := tasks.QueueName(e.prefix, tasks.Faces)
		cmd := exec.Command(binary, "worker", "--queues", "faces=2", "--until-empty")
		cmd.Env = e.environ()
		require.NoError(b, cmd.Start())
		var at1k int64
		for {
			info, err := insp.GetQueueInfo(queue)
			require.NoError(b, err)
			if at1k == 0 && info.Processed >= 1000 {
				at1k = rssKiB(b, cmd.Process.Pid)
			}
			if info.Processed >= photos {
				break
			}
			time.Sleep(100 * time.Millisecond) // sampling the worker, not waiting for it
		}
		at10k := rssKiB(b, cmd.Process.Pid)
		require.NoError(b, cmd.Wait())
		rss1k += float64(at1k) / 1024
		rss10k += float64(at10k) / 1024
		_ = insp.DeleteQueue(queue, true)
	}
	b.ReportMetric(rss1k/float64(b.N), "rss_1k_MiB")
	b.ReportMetric(rss10k/float64(b.N), "rss_10k_MiB")
	b.ReportMetric(rss10k/rss1k, "growth")
}

// rssKiB reads a process's resident memory.
func rssKiB(tb testing.TB, pid int) int64 {
	tb.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(tb, err)
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			var kib int64
			_, err := fmt.Sscan(v, &kib)
			require.NoError(tb, err)
			return kib
		}
	}
	tb.Fatalf("no VmRSS for process %d", pid)
	return 0
}
