package keyframes_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/inference/keyframes"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/stretchr/testify/require"
)

// Megamind.avi has 5 keyframes in 11.26 s, at 0.04 (black), 0.08, 4.13, 6.46 and 8.38 s;
// vtest.avi has 4 in 79.5 s, at 0, 25, 50 and 75 s.

// TestKeyframeTimesMatchFullDecode checks the times of the keyframe-only pass against ffprobe
// decoding every frame: a decoder that delays frames must not shift them onto the next
// keyframe's time.
func TestKeyframeTimesMatchFullDecode(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Megamind.avi", "vtest.avi"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := testenv.Sample(t, name)
			out, err := exec.Command(tool(t, "ffprobe"), "-v", "error", "-select_streams", "v:0",
				"-show_entries", "frame=key_frame,best_effort_timestamp_time", "-of", "csv=p=0", path).Output()
			require.NoError(t, err)
			var want []float64
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if key, ts, _ := strings.Cut(line, ","); key == "1" {
					v, err := strconv.ParseFloat(ts, 64)
					require.NoError(t, err, line)
					want = append(want, v)
				}
			}
			e := extractor(t)
			e.MinSpacing, e.FallbackInterval = -1, -1
			res, err := e.Extract(context.Background(), path, t.TempDir())
			require.NoError(t, err)
			got := timestamps(res)
			require.Len(t, got, len(want))
			for i := range want {
				require.InDelta(t, want[i], got[i], 1e-3, "keyframe %d", i+1)
			}
		})
	}
}

func TestExtractMegamindKeyframes(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	res, err := extractor(t).Extract(context.Background(), testenv.Sample(t, "Megamind.avi"), out)
	require.NoError(t, err)
	checkResult(t, res, out)
	require.Len(t, res.Frames, 4, "0.08 s is within 1 s of 0.04 s")
	require.Equal(t, 4, res.Keyframes)
	require.False(t, res.Fallback)
	require.Empty(t, res.Warnings)
	for _, f := range res.Frames {
		require.Equal(t, 720, f.Width)
		require.Equal(t, 528, f.Height)
	}
	require.Equal(t, keyframes.VideoInfo{Duration: 11.26, FPS: 23.98, Width: 720, Height: 528, Codec: "mpeg4", Format: "avi"}, res.Video)
}

func TestExtractVideoInfoAgreesWithProbe(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Megamind.avi", "vtest.avi"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := extractor(t)
			path := testenv.Sample(t, name)
			res, err := e.Extract(context.Background(), path, t.TempDir())
			require.NoError(t, err)
			probed, err := keyframes.Probe(context.Background(), e.FFprobe, path)
			require.NoError(t, err)
			// ffmpeg prints the duration to 1/100 s and the frame rate to 2 decimals.
			require.InDelta(t, probed.Duration, res.Video.Duration, 0.0051)
			require.InDelta(t, probed.FPS, res.Video.FPS, 0.0051)
			require.Equal(t, probed.Width, res.Video.Width)
			require.Equal(t, probed.Height, res.Video.Height)
			require.Equal(t, probed.Codec, res.Video.Codec)
			require.Equal(t, probed.Format, res.Video.Format)
		})
	}
}

func TestExtractMinSpacing(t *testing.T) {
	t.Parallel()
	path := testenv.Sample(t, "Megamind.avi")
	e := extractor(t)
	e.MinSpacing = 2 * time.Second
	out := t.TempDir()
	res, err := e.Extract(context.Background(), path, out)
	require.NoError(t, err)
	checkResult(t, res, out)
	// 0.08 s is too close to 0.04 s, 8.38 s is 1.92 s after 6.46 s: both dropped.
	require.Len(t, res.Frames, 3)
	require.Equal(t, 3, res.Keyframes)
	for i := 1; i < len(res.Frames); i++ {
		require.GreaterOrEqual(t, res.Frames[i].Timestamp-res.Frames[i-1].Timestamp, 2.0)
	}

	e.MinSpacing = -1 // every keyframe
	all, err := e.Extract(context.Background(), path, t.TempDir())
	require.NoError(t, err)
	require.Len(t, all.Frames, 5)
	require.Subset(t, timestamps(all), timestamps(res))
}

func TestExtractMaxFramesThinsEvenly(t *testing.T) {
	t.Parallel()
	path := testenv.Sample(t, "Megamind.avi")
	all := extractor(t)
	all.MinSpacing = -1
	full, err := all.Extract(context.Background(), path, t.TempDir())
	require.NoError(t, err)
	ts := timestamps(full)
	require.Len(t, ts, 5)
	for _, tc := range []struct {
		max  int
		want []float64
	}{
		{1, []float64{ts[2]}},
		{2, []float64{ts[0], ts[4]}},
		{3, []float64{ts[0], ts[2], ts[4]}},
		{5, ts},
		{9, ts},
	} {
		e := all
		e.MaxFrames = tc.max
		out := t.TempDir()
		res, err := e.Extract(context.Background(), path, out)
		require.NoError(t, err)
		checkResult(t, res, out)
		require.Equal(t, tc.want, timestamps(res), "MaxFrames %d", tc.max)
		require.Equal(t, 5, res.Keyframes)
	}
}

func TestExtractMaxEdgeAndQuality(t *testing.T) {
	t.Parallel()
	path := testenv.Sample(t, "Megamind.avi")
	e := extractor(t)
	e.MaxEdge = 360
	out := t.TempDir()
	res, err := e.Extract(context.Background(), path, out)
	require.NoError(t, err)
	checkResult(t, res, out)
	for _, f := range res.Frames {
		require.Equal(t, 360, f.Width)
		require.Equal(t, 264, f.Height) // 720x528 halved
	}

	e.MaxEdge = 4000 // never enlarged
	big, err := e.Extract(context.Background(), path, t.TempDir())
	require.NoError(t, err)
	require.Equal(t, 720, big.Frames[0].Width)

	size := func(q int) int64 {
		e := extractor(t)
		e.JPEGQuality = q
		res, err := e.Extract(context.Background(), path, t.TempDir())
		require.NoError(t, err)
		var n int64
		for _, f := range res.Frames {
			st, err := os.Stat(f.Path)
			require.NoError(t, err)
			n += st.Size()
		}
		return n
	}
	require.Less(t, size(31), size(2))
}

func TestExtractRerunReplacesFrames(t *testing.T) {
	t.Parallel()
	path := testenv.Sample(t, "Megamind.avi")
	out := t.TempDir()
	first, err := extractor(t).Extract(context.Background(), path, out)
	require.NoError(t, err)
	require.Len(t, first.Frames, 4)
	last, err := os.ReadFile(first.Frames[3].Path)
	require.NoError(t, err)
	notes := filepath.Join(out, "notes.txt")
	require.NoError(t, os.WriteFile(notes, []byte("kept"), 0o644))

	// A failed run leaves the earlier frames alone.
	_, err = extractor(t).Extract(context.Background(), writeFile(t, "bad.mp4", []byte("not a video at all")), out)
	require.True(t, keyframes.IsPermanent(err), "%v", err)
	require.Len(t, frameFiles(t, out), 4)
	requireNoScratch(t, out)

	e := extractor(t)
	e.MaxFrames = 2
	second, err := e.Extract(context.Background(), path, out)
	require.NoError(t, err)
	checkResult(t, second, out)
	require.Equal(t, []string{"0001.jpg", "0002.jpg"}, frameFiles(t, out))
	now, err := os.ReadFile(second.Frames[1].Path)
	require.NoError(t, err)
	require.Equal(t, last, now, "0002.jpg is now the last keyframe")
	_, err = os.Stat(notes)
	require.NoError(t, err, "files that are not frames stay")
}

func TestExtractSweepsStaleScratch(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	stale := filepath.Join(out, ".keyframes-123")
	fresh := filepath.Join(out, ".keyframes-456")
	for _, d := range []string{stale, fresh} {
		require.NoError(t, os.Mkdir(d, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "000001.jpg"), []byte("x"), 0o644))
	}
	old := time.Now().Add(-24 * time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))

	_, err := extractor(t).Extract(context.Background(), testenv.Sample(t, "Megamind.avi"), out)
	require.NoError(t, err)
	_, err = os.Stat(stale)
	require.True(t, os.IsNotExist(err), "a scratch folder untouched for a day is removed")
	_, err = os.Stat(fresh)
	require.NoError(t, err, "a scratch folder that may be another run's stays")
}

func TestExtractSameFolderConcurrently(t *testing.T) {
	t.Parallel()
	path := testenv.Sample(t, "Megamind.avi")
	out := t.TempDir()
	e := extractor(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = e.Extract(context.Background(), path, out)
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, frameFiles(t, out), 4)
	requireNoScratch(t, out)
}

func TestExtractTruncatedFileGivesWhatDecodes(t *testing.T) {
	t.Parallel()
	// Half of Megamind.avi: the AVI index at the end is gone, ffmpeg reads the packets it
	// finds, complains about the cut one and decodes the keyframes before it.
	path := truncated(t, "Megamind.avi", 600_000)
	out := t.TempDir()
	res, err := extractor(t).Extract(context.Background(), path, out)
	require.NoError(t, err)
	checkResult(t, res, out)
	require.Len(t, res.Frames, 2) // 0.04 and 4.13 s
	require.Less(t, res.Video.Duration, 11.0)
	require.NotEmpty(t, res.Warnings)
	require.Contains(t, res.Warnings[len(res.Warnings)-1], "corrupt")
}

// TestExtractRotatedVideoIsUpright uses Megamind's first 5 s in an MP4 that asks players to
// turn it 90 degrees, as phones record portrait video: frames come out turned, 528x720, and
// the video's size is its display size, 528x720, not the coded 720x528.
func TestExtractRotatedVideoIsUpright(t *testing.T) {
	t.Parallel()
	rotated := filepath.Join(t.TempDir(), "portrait.mp4")
	out, err := exec.Command(tool(t, "ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin",
		"-i", testenv.Sample(t, "Megamind.avi"), "-t", "5", "-an", "-c:v", "copy",
		"-metadata:s:v:0", "rotate=90", rotated).CombinedOutput()
	require.NoError(t, err, "%s", out)

	dir := t.TempDir()
	res, err := extractor(t).Extract(context.Background(), rotated, dir)
	require.NoError(t, err)
	checkResult(t, res, dir)
	require.Equal(t, 528, res.Video.Width, "the display size, as the frames are")
	require.Equal(t, 720, res.Video.Height, "the display size, as the frames are")
	v, err := keyframes.Probe(context.Background(), tool(t, "ffprobe"), rotated)
	require.NoError(t, err)
	require.Equal(t, [2]int{528, 720}, [2]int{v.Width, v.Height}, "ffprobe's figures agree")
	for _, f := range res.Frames {
		require.Equal(t, 528, f.Width)
		require.Equal(t, 720, f.Height)
	}
}
