package keyframes

import (
	"bytes"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/stretchr/testify/require"
)

func TestSpread(t *testing.T) {
	t.Parallel()
	for n := 0; n <= 40; n++ {
		for k := 1; k <= 12; k++ {
			got := spread(n, k)
			require.Len(t, got, min(n, k), "spread(%d, %d)", n, k)
			for i := 1; i < len(got); i++ {
				require.Greater(t, got[i], got[i-1], "spread(%d, %d) = %v", n, k, got)
			}
			if n > 0 && k > 1 {
				require.Equal(t, 0, got[0])
				require.Equal(t, n-1, got[len(got)-1])
			}
			if n > k && k > 1 { // even: gaps differ by at most one
				lo, hi := n, 0
				for i := 1; i < len(got); i++ {
					lo, hi = min(lo, got[i]-got[i-1]), max(hi, got[i]-got[i-1])
				}
				require.LessOrEqual(t, hi-lo, 1, "spread(%d, %d) = %v", n, k, got)
			}
		}
	}
	require.Equal(t, []int{2}, spread(5, 1))
}

func TestTooSparse(t *testing.T) {
	t.Parallel()
	ten := 10 * time.Second
	for _, tc := range []struct {
		n        int
		duration float64
		want     bool
	}{
		{4, 79.5, false},  // vtest: 8 wanted, 4 is half
		{3, 79.5, true},   // fewer than half
		{5, 11.26, false}, // Megamind: 2 wanted
		{1, 11.26, true},  // 2 wanted, fewer than 2
		{1, 9.9, false},   // 1 wanted
		{0, 9.9, true},    // no keyframe at all
		{0, 0, true},      // unknown duration, no keyframe
		{1, 0, false},     // unknown duration
		{30, 600, true},   // 61 wanted, 30 < 30.5
		{31, 600, false},
	} {
		got := tooSparse(tc.n, tc.duration, ten)
		require.Equal(t, tc.want, got, "%d keyframes in %v s", tc.n, tc.duration)
	}
	s := Extractor{}.settings()
	require.Equal(t, 10*time.Second, fallbackInterval(s, 79.5))
	require.Equal(t, 72*time.Second, fallbackInterval(s, 3600)) // 3600 s / 50 frames
}

// TestLogReadInPieces feeds a real ffmpeg log to the reader one byte, then seven bytes, at a
// time: lines split across writes read the same as whole ones.
func TestLogReadInPieces(t *testing.T) {
	t.Parallel()
	path := testenv.Sample(t, "Megamind.avi")
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	s := Extractor{}.settings()
	args := ffmpegArgs(s, keyframePass, abs, t.TempDir(), 0)
	ffmpeg, err := exec.LookPath("ffmpeg")
	require.NoError(t, err)
	var raw bytes.Buffer
	cmd := exec.Command(ffmpeg, args...)
	cmd.Stderr = &raw
	require.NoError(t, cmd.Run(), raw.String())

	whole := newFFLog(stripPrefixes(path, abs)...)
	_, _ = whole.Write(raw.Bytes())
	whole.flush()
	require.Len(t, whole.frames, 4) // 5 keyframes, one within 1 s of another
	v, ok := whole.video()
	require.True(t, ok)
	require.Equal(t, "mpeg4", v.Codec)

	for _, size := range []int{1, 7} {
		l := newFFLog(stripPrefixes(path, abs)...)
		b := raw.Bytes()
		for len(b) > 0 {
			n := min(size, len(b))
			_, _ = l.Write(b[:n])
			b = b[n:]
		}
		l.flush()
		require.Equal(t, whole.frames, l.frames)
		require.Equal(t, whole.streams, l.streams)
		require.Equal(t, whole.duration, l.duration)
		require.Equal(t, whole.tbNum, l.tbNum)
		require.Equal(t, whole.tbDen, l.tbDen)
	}
}

func TestLogKeepsBoundedComplaints(t *testing.T) {
	t.Parallel()
	l := newFFLog("file:/v.avi: ")
	long := strings.Repeat("x", 3*maxLine)
	for i := range 1000 {
		_, _ = l.Write([]byte("[mpeg4 @ 0x55d0] [error] ac-tex damaged at " + string(rune('a'+i%26)) + "\n"))
	}
	_, _ = l.Write([]byte("[error] " + long + "\n"))
	_, _ = l.Write([]byte("[error] file:/v.avi: Invalid data found when processing input\n"))
	require.Len(t, l.errs, keepLines)
	require.LessOrEqual(t, len(l.partial), maxLine)
	msg := l.message()
	require.True(t, strings.HasSuffix(msg, "; Invalid data found when processing input"), msg)
	require.LessOrEqual(t, len(msg), 403)
}

// TestSignalledFFmpegIsNotPermanent stops a real ffmpeg the way a shutting-down host does:
// SIGTERM (ffmpeg exits 255) or SIGKILL. Neither says anything about the file.
func TestSignalledFFmpegIsNotPermanent(t *testing.T) {
	t.Parallel()
	ffmpeg, err := exec.LookPath("ffmpeg")
	require.NoError(t, err)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		log := newFFLog()
		started := &seen{want: "Output #0", ch: make(chan struct{})}
		cmd := exec.Command(ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "level+info",
			"-re", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-f", "null", "-")
		cmd.Stderr = io.MultiWriter(log, started)
		require.NoError(t, cmd.Start())
		select { // ffmpeg handles signals by the time it describes its output
		case <-started.ch:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatal("ffmpeg did not start")
		}
		require.NoError(t, cmd.Process.Signal(sig))
		runErr := cmd.Wait()
		require.Error(t, runErr)
		err := judge(toolRun{log: log, exitErr: runErr}, "ffmpeg", "/v.mp4", "")
		require.False(t, IsPermanent(err), "%v: %v", sig, err)
		require.NotErrorIs(t, err, ErrConfig)
		require.Contains(t, err.Error(), "signal")
	}
}

// seen closes ch once want has been written to it.
type seen struct {
	want string
	buf  []byte
	ch   chan struct{}
	done bool
}

func (s *seen) Write(p []byte) (int, error) {
	if !s.done {
		s.buf = append(s.buf, p...)
		if bytes.Contains(s.buf, []byte(s.want)) {
			s.done = true
			close(s.ch)
		}
	}
	return len(p), nil
}
