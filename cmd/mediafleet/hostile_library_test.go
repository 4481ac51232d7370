package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
)

// hostileLibrary is a library made of the files that hang, lie or eat memory, beside good
// ones, all made by the test.
type hostileLibrary struct {
	lib, outside string
	good         map[string]string // role -> path
	bad          map[string]string // path -> words its archived reason must hold
	fifo         string            // a photo at enqueue, a FIFO by the time a worker reads it
}

// ffmpegRun runs ffmpeg with args and fails the test on error.
func ffmpegRun(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}, args...)...).CombinedOutput()
	require.NoError(t, err, "ffmpeg %v: %s", args, out)
}

func makeHostileLibrary(t *testing.T, e *bed) *hostileLibrary {
	h := &hostileLibrary{lib: e.lib, outside: t.TempDir(), good: map[string]string{}, bad: map[string]string{}}
	h.good["photo"] = e.addSample("messi5.jpg", "photos/messi5.jpg")
	h.good["video"] = e.addSample("Megamind.avi", "videos/Megamind.avi")

	// Files that refer to a video outside the media roots.
	secret := filepath.Join(h.outside, "secret.avi")
	require.NoError(t, copyIfMissing(testenv.Sample(t, "Megamind.avi"), secret))
	playlist := filepath.Join(e.lib, "videos", "playlist.mov")
	require.NoError(t, os.WriteFile(playlist, fmt.Appendf(nil, "#EXTM3U\n#EXT-X-TARGETDURATION:12\n#EXTINF:12,\n%s\n#EXT-X-ENDLIST\n", secret), 0o644))
	h.bad[playlist] = "a hls file, not a video container"
	list := filepath.Join(e.lib, "videos", "list.mp4")
	require.NoError(t, os.WriteFile(list, fmt.Appendf(nil, "ffconcat version 1.0\nfile '%s'\n", secret), 0o644))
	h.bad[list] = "not a video container"

	// A video whose first seconds are damaged: its frames from the rest are kept.
	clean := filepath.Join(h.outside, "clean.mp4")
	ffmpegRun(t, "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=12", "-c:v", "libx264", "-g", "25", "-pix_fmt", "yuv420p", clean)
	data, err := os.ReadFile(clean)
	require.NoError(t, err)
	mdat := bytes.Index(data, []byte("mdat")) + 4
	require.Greater(t, mdat, 4)
	r := rand.New(rand.NewPCG(3, 4))
	for i := mdat; i < mdat+(len(data)-mdat)/3; i++ {
		data[i] = byte(r.IntN(256))
	}
	h.good["damaged video"] = filepath.Join(e.lib, "videos", "damaged.mp4")
	require.NoError(t, os.WriteFile(h.good["damaged video"], data, 0o644))

	// Two 100-megapixel 16-bit PNGs with a face (faces=4 runs them side by side).
	big := filepath.Join(e.lib, "photos", "big1.png")
	ffmpegRun(t, "-f", "lavfi", "-i", "color=c=0x808080:s=10000x10000", "-i", testenv.Sample(t, "astronaut.png"),
		"-filter_complex", "[1]scale=2048:2048[a];[0][a]overlay=6000:2000,format=rgb48be", "-frames:v", "1", big)
	h.good["big png"] = big
	h.good["big png 2"] = filepath.Join(e.lib, "photos", "big2.png")
	require.NoError(t, copyIfMissing(big, h.good["big png 2"]))

	// A photo stored turned (90 degrees counter-clockwise) whose EXIF orientation 6 comes after
	// 300 KiB of comment segments.
	turned := filepath.Join(h.outside, "turned.jpg")
	ffmpegRun(t, "-i", testenv.Sample(t, "messi5.jpg"), "-vf", "transpose=2", "-q:v", "2", turned)
	jpg, err := os.ReadFile(turned)
	require.NoError(t, err)
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00")
	late := []byte{0xFF, 0xD8}
	comment := bytes.Repeat([]byte("c"), 60000)
	for range 5 {
		late = append(late, 0xFF, 0xFE, byte((len(comment)+2)>>8), byte(len(comment)+2))
		late = append(late, comment...)
	}
	late = append(late, 0xFF, 0xE1, 0, byte(len(tiff)+8))
	late = append(append(late, "Exif\x00\x00"...), tiff...)
	late = append(late, jpg[2:]...)
	h.good["late exif"] = filepath.Join(e.lib, "photos", "late-exif.jpg")
	require.NoError(t, os.WriteFile(h.good["late exif"], late, 0o644))

	// A photo that becomes a FIFO once enqueued.
	h.fifo = e.addSample("messi5.jpg", "photos/fifo.jpg")
	h.bad[h.fifo] = "is a FIFO"

	// Names that are not UTF-8: skipped at enqueue, with their reason.
	e.addSample("messi5.jpg", "photos/caf\xe9.jpg")
	e.addSample("vtest.avi", "Fran\xe7ois/clip.avi")
	return h
}

// TestHostileLibrary drains a library of hostile files with keyframes=2,faces=4: every good
// file is done, every bad one archived with a reason that names it and says what is wrong,
// names that are not UTF-8 are skipped and counted at enqueue, forged tasks (a photo's image
// elsewhere, a key that climbs out of the data dir) are archived, the worker's peak resident
// memory stays under 1.5 GB, and neither its temp folder nor its data dir keeps leftovers.
func TestHostileLibrary(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	tmp := t.TempDir()
	e.extra = []string{"MEDIAFLEET_MEDIA_ROOTS=" + e.lib, "TMPDIR=" + tmp}
	h := makeHostileLibrary(t, e)

	var s enqueueSummary
	e.json(&s, "enqueue", "--catalog", "dir:"+e.lib)
	require.Equal(t, 2, s.SkippedReasons["name not valid UTF-8"], "%+v", s)
	require.Zero(t, s.Errors, "%+v", s)
	require.NoError(t, os.Remove(h.fifo))
	require.NoError(t, syscall.Mkfifo(h.fifo, 0o644))
	t.Cleanup(func() { // releases a worker blocked on it, if the test fails that way
		if f, err := os.OpenFile(h.fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})

	opt, err := redisconn.ParseRedisURL(e.redis)
	require.NoError(t, err)
	client := asynq.NewClient(opt)
	defer client.Close()
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	faces := tasks.QueueName(e.prefix, tasks.Faces)
	photo := h.good["photo"]
	forged := &tasks.FacesPayload{FrameRef: tasks.FrameRef{Asset: tasks.AssetRef{Key: tasks.AssetKey("", photo, 1, 1), Path: photo},
		Image: filepath.Join(h.outside, "turned.jpg"), ModelVersion: "forged"}}
	task, err := asynqtask.New(forged, tasks.Options{Prefix: e.prefix})
	require.NoError(t, err)
	_, err = client.Enqueue(task)
	require.NoError(t, err)
	h.bad[photo] = "another file to read"
	escape := fmt.Sprintf(`{"asset":{"asset_key":"../../escape","path":%q},"model_version":"kf-forged"}`, h.good["video"])
	_, err = client.Enqueue(asynq.NewTask(tasks.Keyframes.TypeName(), []byte(escape), asynq.Queue(tasks.QueueName(e.prefix, tasks.Keyframes))))
	require.NoError(t, err)
	h.bad[h.good["video"]] = "is not an asset key"

	cmd := exec.Command(binary, "worker", "--queues", "keyframes=2,faces=4,persons=1")
	cmd.Env = append(e.environ(), e.extra...)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	require.NoError(t, cmd.Start())
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)

	queues := []string{tasks.QueueName(e.prefix, tasks.Keyframes), faces, tasks.QueueName(e.prefix, tasks.Persons)}
	var peakKiB int64
	require.Eventually(t, func() bool {
		peakKiB = max(peakKiB, procKiB(t, cmd.Process.Pid, "VmHWM:"))
		for _, q := range queues {
			info, err := insp.GetQueueInfo(q)
			if err != nil || info.Pending+info.Active+info.Scheduled+info.Retry > 0 {
				return false
			}
		}
		return true
	}, 10*time.Minute, 200*time.Millisecond, "the library never drained; worker log:\n%s", &logs)
	peakKiB = max(peakKiB, procKiB(t, cmd.Process.Pid, "VmHWM:"))
	stop()
	t.Logf("worker peak RSS (VmHWM): %d MiB", peakKiB>>10)
	require.Less(t, peakKiB>>10, int64(1536), "the worker's peak resident memory")

	// Every good file is done.
	show := func(path string) (d struct {
		Keyframes []struct{} `json:"keyframes"`
		Faces     []struct{} `json:"faces"`
		FaceScans []struct {
			Frame         int `json:"frame"`
			Width, Height int
		} `json:"face_scans"`
	}) {
		require.NoError(t, json.Unmarshal([]byte(e.must("show", path, "--json")), &d), path)
		return d
	}
	for _, role := range []string{"photo", "big png", "big png 2", "late exif"} {
		d := show(h.good[role])
		require.NotEmpty(t, d.Faces, "%s: the face is found", role)
	}
	d := show(h.good["late exif"])
	require.Len(t, d.FaceScans, 1)
	require.Equal(t, [2]int{548, 342}, [2]int{d.FaceScans[0].Width, d.FaceScans[0].Height}, "the photo was turned upright")
	require.GreaterOrEqual(t, len(show(h.good["video"]).Keyframes), 3)
	require.NotEmpty(t, show(h.good["damaged video"]).Keyframes, "the frames after the damage are kept")
	require.Contains(t, logs.String(), "part of the video is damaged")

	// Every bad one is archived with a reason that names it and says what is wrong.
	reasons := map[string]string{}
	for _, q := range queues {
		archived, err := insp.ListArchivedTasks(q)
		require.NoError(t, err)
		for _, a := range archived {
			var v struct {
				Asset struct {
					Path string `json:"path"`
				} `json:"asset"`
			}
			require.NoError(t, json.Unmarshal(a.Payload, &v))
			require.Empty(t, reasons[v.Asset.Path], "one archived task for %s", v.Asset.Path)
			reasons[v.Asset.Path] = a.LastErr
		}
	}
	require.Len(t, reasons, len(h.bad), "%v", reasons)
	for path, words := range h.bad {
		require.Contains(t, reasons[path], words, path)
		require.Contains(t, reasons[path], path, "the reason names the file")
	}

	// Nothing left behind: not in the worker's temp folder, not as empty keyframe folders, and
	// nothing written where the forged key pointed.
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.Empty(t, left, "the worker's temp folder")
	require.NoError(t, filepath.WalkDir(e.dataDir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if d.IsDir() {
			entries, err := os.ReadDir(p)
			require.NoError(t, err)
			require.NotEmpty(t, entries, "empty folder %s in the data dir", p)
		}
		return nil
	}))
	require.NoDirExists(t, filepath.Join(filepath.Dir(e.dataDir), "escape"))
	require.False(t, strings.Contains(logs.String(), "panic"), "the worker never panicked")

}

// procKiB reads one field (VmRSS:, VmHWM:) of a live process's /proc status, in KiB; 0 once
// the process is gone.
func procKiB(t *testing.T, pid int, field string) int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, field); ok {
			var kib int64
			_, err := fmt.Sscan(v, &kib)
			require.NoError(t, err)
			return kib
		}
	}
	return 0
}
