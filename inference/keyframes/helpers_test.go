package keyframes_test

import (
	"bytes"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mediafleet/mediafleet/inference/keyframes"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/stretchr/testify/require"
)

// tool is the path of ffmpeg or ffprobe; the test fails when it is not installed.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (%v): run `%s`", name, err, testenv.SetupHint)
	}
	return p
}

// extractor is an Extractor with the real ffmpeg and ffprobe and default settings.
func extractor(t testing.TB) keyframes.Extractor {
	t.Helper()
	return keyframes.Extractor{FFmpeg: tool(t, "ffmpeg"), FFprobe: tool(t, "ffprobe")}
}

var frameFile = regexp.MustCompile(`^[0-9]{4}\.jpg$`)

// checkResult asserts what every successful Extract promises: frames numbered 1..n in
// outDir and nothing else of ours there, times strictly increasing within the duration, and
// JPEG files that decode to the size reported.
func checkResult(t *testing.T, res *keyframes.Result, outDir string) {
	t.Helper()
	require.NotEmpty(t, res.Frames)
	prev := -1.0
	for i, f := range res.Frames {
		require.Equal(t, i+1, f.Index)
		require.Equal(t, filepath.Join(outDir, keyframes.FrameName(i+1)), f.Path)
		require.Greater(t, f.Timestamp, prev, "frame %d", f.Index)
		require.GreaterOrEqual(t, f.Timestamp, 0.0)
		require.LessOrEqual(t, f.Timestamp, res.Video.Duration, "frame %d", f.Index)
		prev = f.Timestamp

		data, err := os.ReadFile(f.Path)
		require.NoError(t, err)
		img, err := jpeg.Decode(bytes.NewReader(data))
		require.NoError(t, err, "frame %s", f.Path)
		require.Equal(t, f.Width, img.Bounds().Dx(), "frame %s", f.Path)
		require.Equal(t, f.Height, img.Bounds().Dy(), "frame %s", f.Path)
	}
	require.Equal(t, len(res.Frames), len(frameFiles(t, outDir)), "frame files in %s", outDir)
	requireNoScratch(t, outDir)
}

// frameFiles lists the NNNN.jpg files in dir.
func frameFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		if frameFile.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names
}

func requireNoScratch(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return
	}
	require.NoError(t, err)
	for _, e := range ents {
		require.False(t, strings.HasPrefix(e.Name(), ".keyframes-"), "scratch folder %s left in %s", e.Name(), dir)
	}
}

func timestamps(res *keyframes.Result) []float64 {
	ts := make([]float64, len(res.Frames))
	for i, f := range res.Frames {
		ts[i] = f.Timestamp
	}
	return ts
}

// writeFile writes data to a new file named name in a fresh temporary folder.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

// truncated is the first n bytes of a sample.
func truncated(t *testing.T, sample string, n int) string {
	t.Helper()
	data, err := os.ReadFile(testenv.Sample(t, sample))
	require.NoError(t, err)
	require.Less(t, n, len(data))
	return writeFile(t, "truncated-"+sample, data[:n])
}
