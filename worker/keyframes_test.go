package worker

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/inference/keyframes"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
)

func keyframesHandler(t testing.TB, b *bed, dataDir string) *KeyframesHandler {
	return &KeyframesHandler{
		Extractor: keyframes.Extractor{}, Store: storetest.SQLite(t), DataDir: dataDir, Client: b.client,
		FollowUp: FollowUp{Versions: map[tasks.Kind]string{tasks.Faces: "fr1", tasks.Captions: "cap1"},
			Options: map[tasks.Kind]tasks.Options{tasks.Faces: {Prefix: b.prefix}, tasks.Captions: {Prefix: b.prefix}}},
	}
}

func videoPayload(path, key string) *tasks.KeyframesPayload {
	return &tasks.KeyframesPayload{Asset: tasks.AssetRef{Key: tasks.AssetKey("", path+key, 0, 0), Path: path}, ModelVersion: keyframes.Extractor{}.ModelVersion()}
}

// TestKeyframesTaskStoresFramesAndStartsFollowUps: a keyframes task on Megamind.avi writes its
// frames, stores them, and enqueues one faces and one captions task per frame, once only.
func TestKeyframesTaskStoresFramesAndStartsFollowUps(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	h := keyframesHandler(t, b, t.TempDir())
	video := testenv.Sample(t, "Megamind.avi")
	ctx := zerolog.Nop().WithContext(context.Background())
	p := videoPayload(video, "hmegamind")
	require.NoError(t, h.Handle(ctx, p))
	v, err := h.Store.Show(ctx, video)
	require.NoError(t, err)
	require.Len(t, v.Keyframes, 4, "Megamind.avi: 5 keyframes, one within the 1 s minimum spacing")
	require.InDelta(t, 11.26, v.Video.DurationSec, 0.05)
	for _, k := range v.Keyframes {
		require.FileExists(t, k.Path)
		require.Equal(t, filepath.Join(h.DataDir, "keyframes", p.Asset.Key), filepath.Dir(k.Path))
	}
	for _, k := range []tasks.Kind{tasks.Faces, tasks.Captions} {
		info, err := b.insp.GetQueueInfo(tasks.QueueName(b.prefix, k))
		require.NoError(t, err)
		require.Equal(t, 4, info.Pending, k)
	}
	// Run twice: one result, no second set of follow-ups.
	require.NoError(t, h.Handle(ctx, p))
	info, err := b.insp.GetQueueInfo(tasks.QueueName(b.prefix, tasks.Faces))
	require.NoError(t, err)
	require.Equal(t, 4, info.Pending)
	v, err = h.Store.Show(ctx, video)
	require.NoError(t, err)
	require.Len(t, v.Keyframes, 4)
}

// TestKeyframesRootsRefuseOutsidePaths: a video outside the media roots is refused, permanently.
func TestKeyframesRootsRefuseOutsidePaths(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	h := keyframesHandler(t, b, t.TempDir())
	h.Roots = Roots{t.TempDir()}
	err := h.Handle(context.Background(), videoPayload(testenv.Sample(t, "Megamind.avi"), "hx"))
	require.ErrorContains(t, err, "outside the media roots")
	var pe *PermanentError
	require.ErrorAs(t, err, &pe)
}

// BenchmarkKeyframesTask compares the whole keyframes task (extract, store, enqueue the
// follow-ups) on Megamind.avi with the bare ffmpeg command that decodes its keyframes, measured
// in the same run; "x_bare" is the ratio (target: at most 1.3).
func BenchmarkKeyframesTask(b *testing.B) {
	bd := newBed(b)
	h := keyframesHandler(b, bd, b.TempDir())
	video := testenv.Sample(b, "Megamind.avi")
	ctx := zerolog.Nop().WithContext(context.Background())
	var bare, task time.Duration
	for i := 0; i < b.N; i++ {
		out := b.TempDir()
		start := time.Now()
		cmd := exec.Command("ffmpeg", "-v", "error", "-skip_frame", "nokey", "-i", video, "-fps_mode", "vfr", "-q:v", "3", filepath.Join(out, "%04d.jpg"))
		if o, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ffmpeg: %v\n%s", err, o)
		}
		bare += time.Since(start)
		_ = os.RemoveAll(out)

		start = time.Now()
		if err := h.Handle(ctx, videoPayload(video, "hbench")); err != nil {
			b.Fatal(err)
		}
		task += time.Since(start)
	}
	b.ReportMetric(bare.Seconds()/float64(b.N), "bare_s/op")
	b.ReportMetric(task.Seconds()/float64(b.N), "task_s/op")
	b.ReportMetric(task.Seconds()/bare.Seconds(), "x_bare")
}
