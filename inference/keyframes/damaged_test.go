package keyframes_test

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// damagedHead makes a 12 s H.264 MP4 (a keyframe a second) and a copy whose first third of
// picture data is overwritten with noise, so ffmpeg cannot decode its first keyframes.
func damagedHead(t *testing.T) (clean, damaged string) {
	t.Helper()
	clean = filepath.Join(t.TempDir(), "clean.mp4")
	p := clean
	out, err := exec.Command(tool(t, "ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin",
		"-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=12", "-c:v", "libx264", "-g", "25", "-pix_fmt", "yuv420p", p).CombinedOutput()
	require.NoError(t, err, "%s", out)
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	mdat := 0
	for i := 4; i+4 <= len(data); i++ {
		if string(data[i:i+4]) == "mdat" {
			mdat = i + 4
			break
		}
	}
	require.Positive(t, mdat, "ffmpeg writes the picture data before the index")
	r := rand.New(rand.NewPCG(1, 2))
	for i := mdat; i < mdat+(len(data)-mdat)/3; i++ {
		data[i] = byte(r.IntN(256))
	}
	damaged = filepath.Join(t.TempDir(), "damaged.mp4")
	require.NoError(t, os.WriteFile(damaged, data, 0o644))
	return clean, damaged
}

// TestDamagedHeadKeepsWhatDecodes: a video whose first seconds are damaged gives the frames of
// the rest, marked damaged, rather than being refused as undecodable.
func TestDamagedHeadKeepsWhatDecodes(t *testing.T) {
	t.Parallel()
	cleanPath, path := damagedHead(t)
	out := filepath.Join(t.TempDir(), "frames")
	res, err := extractor(t).Extract(context.Background(), path, out)
	require.NoError(t, err)
	checkResult(t, res, out)
	require.True(t, res.Damaged)
	require.GreaterOrEqual(t, len(res.Frames), 4, "the undamaged two thirds hold 8 keyframes")
	require.Greater(t, res.Frames[0].Timestamp, 2.0, "the first frames are the damaged ones")

	clean, err := extractor(t).Extract(context.Background(), cleanPath, t.TempDir())
	require.NoError(t, err)
	require.False(t, clean.Damaged)
	require.Greater(t, len(clean.Frames), len(res.Frames))
}
