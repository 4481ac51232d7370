package keyframes_test

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/inference/keyframes"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/stretchr/testify/require"
)

// audioOnly is a real two-second AAC file without video, made by ffmpeg.
func audioOnly(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sine.m4a")
	out, err := exec.Command(tool(t, "ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin",
		"-f", "lavfi", "-i", "sine=duration=2", p).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return p
}

// songWithCover is a real two-second M4A (AAC) with a JPEG album cover, made by ffmpeg: its only
// video stream is the attached picture.
func songWithCover(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "song.m4a")
	out, err := exec.Command(tool(t, "ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin",
		"-f", "lavfi", "-i", "sine=duration=2", "-i", testenv.Sample(t, "messi5.jpg"),
		"-map", "0", "-map", "1", "-c:v", "mjpeg", "-disposition:v", "attached_pic", p).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return p
}

// randomBytes is n bytes of noise, the same on every run: fresh noise sometimes happens to
// start like another container (ffprobe then names it, a DV stream say), which would make the
// expected message a matter of chance.
func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{'m', 'e', 'd', 'i', 'a', 'f', 'l', 'e', 'e', 't'}).Read(b)
	return b
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		path  func(t *testing.T) string
		kind  error  // nil: not permanent
		words string // in the error, besides the path
	}{
		{"random bytes named .mp4", func(t *testing.T) string { return writeFile(t, "random.mp4", randomBytes(t, 64<<10)) },
			keyframes.ErrInvalidMedia, "Invalid data found when processing input"},
		{"text file", func(t *testing.T) string { return writeFile(t, "notes.txt", []byte("shopping list\nmilk\n")) },
			keyframes.ErrInvalidMedia, "Invalid data found when processing input"},
		{"zero bytes", func(t *testing.T) string { return writeFile(t, "empty.mp4", nil) },
			keyframes.ErrInvalidMedia, "empty file (0 bytes)"},
		{"AVI cut inside the first frame", func(t *testing.T) string { return truncated(t, "Megamind.avi", 12_000) },
			keyframes.ErrInvalidMedia, "Cannot determine format of input stream"},
		{"audio only", audioOnly, keyframes.ErrNotVideo, "no video stream"},
		{"song with a cover picture", songWithCover, keyframes.ErrNotVideo, "no video stream"},
		{"still image", func(t *testing.T) string { return testenv.Sample(t, "messi5.jpg") }, keyframes.ErrNotVideo, "still image"},
		{"directory", func(t *testing.T) string { return t.TempDir() }, keyframes.ErrInvalidMedia, "is a directory"},
		{"missing file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "gone.mp4") }, nil, "file not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := tc.path(t)
			out := filepath.Join(t.TempDir(), "frames")
			res, err := extractor(t).Extract(context.Background(), path, out)
			require.Error(t, err)
			require.Nil(t, res)
			require.Contains(t, err.Error(), path)
			require.Contains(t, err.Error(), tc.words)
			var e *keyframes.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, path, e.Path)
			if tc.kind == nil {
				require.False(t, keyframes.IsPermanent(err), "%v", err)
				require.ErrorIs(t, err, fs.ErrNotExist)
			} else {
				require.True(t, keyframes.IsPermanent(err), "%v", err)
				require.ErrorIs(t, err, tc.kind)
			}
			requireNoScratch(t, out)
			require.NoDirExists(t, out, "a failed run leaves no empty frames folder")
		})
	}
}

func TestProbe(t *testing.T) {
	t.Parallel()
	ffprobe := tool(t, "ffprobe")
	v, err := keyframes.Probe(context.Background(), ffprobe, testenv.Sample(t, "Megamind.avi"))
	require.NoError(t, err)
	require.Equal(t, "mpeg4", v.Codec)
	require.Equal(t, "avi", v.Format)
	require.Equal(t, 720, v.Width)
	require.Equal(t, 528, v.Height)
	require.InDelta(t, 11.26, v.Duration, 0.01)
	require.InDelta(t, 2997.0/125, v.FPS, 1e-9)

	v, err = keyframes.Probe(context.Background(), ffprobe, testenv.Sample(t, "vtest.avi"))
	require.NoError(t, err)
	require.Equal(t, keyframes.VideoInfo{Duration: 79.5, FPS: 10, Width: 768, Height: 576, Codec: "msmpeg4v3", Format: "avi"}, v)
}

func TestProbeBadInput(t *testing.T) {
	t.Parallel()
	ffprobe := tool(t, "ffprobe")
	random := writeFile(t, "random.mp4", randomBytes(t, 64<<10))
	_, err := keyframes.Probe(context.Background(), ffprobe, random)
	require.ErrorIs(t, err, keyframes.ErrInvalidMedia)
	require.Contains(t, err.Error(), random)
	require.Contains(t, err.Error(), "ffprobe said: moov atom not found; Invalid data found when processing input")

	_, err = keyframes.Probe(context.Background(), ffprobe, audioOnly(t))
	require.ErrorIs(t, err, keyframes.ErrNotVideo)
	require.Contains(t, err.Error(), "no video stream in the file (streams: audio)")

	_, err = keyframes.Probe(context.Background(), ffprobe, songWithCover(t))
	require.ErrorIs(t, err, keyframes.ErrNotVideo)
	require.Contains(t, err.Error(), "no video stream in the file (streams: audio, cover picture)")

	_, err = keyframes.Probe(context.Background(), ffprobe, testenv.Sample(t, "messi5.jpg"))
	require.ErrorIs(t, err, keyframes.ErrNotVideo)

	_, err = keyframes.Probe(context.Background(), ffprobe, writeFile(t, "empty.avi", nil))
	require.True(t, keyframes.IsPermanent(err))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = keyframes.Probe(ctx, ffprobe, testenv.Sample(t, "vtest.avi"))
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, keyframes.IsPermanent(err))
}

func TestTimeoutsAreTransient(t *testing.T) {
	t.Parallel()
	path := testenv.Sample(t, "vtest.avi")

	e := extractor(t)
	e.Timeout = time.Nanosecond
	_, err := e.Extract(context.Background(), path, t.TempDir())
	require.ErrorIs(t, err, keyframes.ErrTimeout)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.False(t, keyframes.IsPermanent(err))
	require.Contains(t, err.Error(), path)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = extractor(t).Extract(ctx, path, t.TempDir())
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, keyframes.ErrTimeout)
	require.False(t, keyframes.IsPermanent(err))

	// Stopped while decoding (the fallback decodes all 795 frames), or before it started on a
	// busy machine: a time-out either way, and nothing left behind.
	e = extractor(t)
	e.FallbackInterval = time.Second
	e.Timeout = 150 * time.Millisecond
	out := t.TempDir()
	_, err = e.Extract(context.Background(), path, out)
	require.ErrorIs(t, err, keyframes.ErrTimeout)
	require.False(t, keyframes.IsPermanent(err))
	require.Empty(t, frameFiles(t, out))
	requireNoScratch(t, out)
}

func TestMissingFFmpegIsConfiguration(t *testing.T) {
	t.Parallel()
	path := testenv.Sample(t, "Megamind.avi")
	for _, bin := range []string{"/nonexistent/ffmpeg", "mediafleet-no-such-ffmpeg"} {
		e := extractor(t)
		e.FFmpeg = bin
		_, err := e.Extract(context.Background(), path, t.TempDir())
		require.ErrorIs(t, err, keyframes.ErrConfig)
		require.False(t, keyframes.IsPermanent(err))
		require.Contains(t, err.Error(), bin)
		require.Contains(t, err.Error(), "go tool task setup")

		require.ErrorIs(t, e.Check(context.Background()), keyframes.ErrConfig)
	}
	e := extractor(t)
	e.FFprobe = "/nonexistent/ffprobe"
	require.ErrorIs(t, e.Check(context.Background()), keyframes.ErrConfig)
	_, err := keyframes.Probe(context.Background(), e.FFprobe, path)
	require.ErrorIs(t, err, keyframes.ErrConfig)

	require.NoError(t, extractor(t).Check(context.Background()))
}

func TestValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, keyframes.Extractor{}.Validate())
	require.NoError(t, keyframes.Extractor{MinSpacing: -1, FallbackInterval: -1, MaxFrames: 1, JPEGQuality: 31, MaxEdge: 64}.Validate())
	for _, bad := range []keyframes.Extractor{
		{JPEGQuality: 1},
		{JPEGQuality: 32},
		{MaxFrames: -1},
		{MaxFrames: keyframes.MaxFramesLimit + 1},
		{MaxEdge: -1},
		{MaxEdge: 8},
		{Timeout: -time.Second},
		{MinSpacing: 20 * time.Second, FallbackInterval: 10 * time.Second},
	} {
		err := bad.Validate()
		require.ErrorIs(t, err, keyframes.ErrConfig, "%+v", bad)
		out := filepath.Join(t.TempDir(), "frames")
		_, err = bad.Extract(context.Background(), testenv.Sample(t, "Megamind.avi"), out)
		require.ErrorIs(t, err, keyframes.ErrConfig)
		require.NoDirExists(t, out)
	}
	_, err := extractor(t).Extract(context.Background(), testenv.Sample(t, "Megamind.avi"), "")
	require.ErrorIs(t, err, keyframes.ErrConfig)
}

func TestModelVersion(t *testing.T) {
	t.Parallel()
	base := keyframes.Extractor{}.ModelVersion()
	require.Regexp(t, `^kf1-[0-9a-f]{8}$`, base)
	same := keyframes.Extractor{FFmpeg: "/opt/ffmpeg", FFprobe: "/opt/ffprobe", Timeout: time.Hour,
		MinSpacing: keyframes.DefaultMinSpacing, MaxFrames: keyframes.DefaultMaxFrames,
		FallbackInterval: keyframes.DefaultFallbackInterval, JPEGQuality: keyframes.DefaultJPEGQuality}
	require.Equal(t, base, same.ModelVersion())
	seen := map[string]string{base: "defaults"}
	for name, e := range map[string]keyframes.Extractor{
		"min spacing": {MinSpacing: 2 * time.Second},
		"no spacing":  {MinSpacing: -1},
		"max frames":  {MaxFrames: 10},
		"fallback":    {FallbackInterval: 20 * time.Second},
		"no fallback": {FallbackInterval: -1},
		"quality":     {JPEGQuality: 5},
		"max edge":    {MaxEdge: 1024},
	} {
		v := e.ModelVersion()
		prev, dup := seen[v]
		require.False(t, dup, "%s has the model version of %s", name, prev)
		seen[v] = name
	}
}

func TestErrorsUnwrap(t *testing.T) {
	t.Parallel()
	cause := errors.New("boom")
	err := &keyframes.Error{Path: "/v.mp4", Tool: "ffmpeg", Problem: "ffmpeg cannot decode the file", Detail: "moov atom not found", Kind: keyframes.ErrInvalidMedia, Err: cause}
	require.ErrorIs(t, err, keyframes.ErrPermanent)
	require.ErrorIs(t, err, cause)
	require.Equal(t, "keyframes: /v.mp4: ffmpeg cannot decode the file: ffmpeg said: moov atom not found", err.Error())
	require.False(t, keyframes.IsPermanent(&keyframes.Error{Kind: keyframes.ErrTimeout}))
	require.False(t, keyframes.IsPermanent(nil))
}
