package keyframes_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/inference/keyframes"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// BenchmarkExtract runs Extract on Megamind.avi and, in the same loop, the bare ffmpeg
// command it builds on (keyframes only, into numbered JPEGs), and reports the ratio of their
// median times: what choosing, timing and placing the frames cost over decoding them.
func BenchmarkExtract(b *testing.B) {
	benchmarkAgainst(b, "Megamind.avi", extractor(b), "-skip_frame", "nokey", "-i", "IN", "-fps_mode", "vfr")
}

// BenchmarkExtractSparse runs Extract on vtest.avi with a 5 s FallbackInterval (4 keyframes
// in 79.5 s are too few, so it decodes keyframes, then every frame) against one bare ffmpeg
// run that decodes every frame and keeps one each 5 s.
func BenchmarkExtractSparse(b *testing.B) {
	e := extractor(b)
	e.FallbackInterval = 5 * time.Second
	benchmarkAgainst(b, "vtest.avi", e, "-i", "IN", "-vf", "fps=1/5", "-fps_mode", "vfr")
}

// benchmarkAgainst times e.Extract on a sample against bare ffmpeg with args (IN stands for
// the sample) writing out%04d.jpg, alternately in one loop.
func benchmarkAgainst(b *testing.B, sample string, e keyframes.Extractor, args ...string) {
	path := testenv.Sample(b, sample)
	ffmpeg := tool(b, "ffmpeg")
	ctx := context.Background()
	out := b.TempDir()
	bare := b.TempDir()
	full := []string{"-nostdin", "-y", "-loglevel", "error"}
	for _, a := range args {
		full = append(full, strings.ReplaceAll(a, "IN", path))
	}
	full = append(full, filepath.Join(bare, "out%04d.jpg"))
	var tExtract, tBare []time.Duration
	for b.Loop() {
		start := time.Now()
		cmd := exec.CommandContext(ctx, ffmpeg, full...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("bare ffmpeg: %v\n%s", err, out)
		}
		tBare = append(tBare, time.Since(start))

		start = time.Now()
		res, err := e.Extract(ctx, path, out)
		if err != nil {
			b.Fatal(err)
		}
		tExtract = append(tExtract, time.Since(start))
		if len(res.Frames) == 0 {
			b.Fatal("no frames")
		}
	}
	if ents, _ := os.ReadDir(bare); len(ents) == 0 {
		b.Fatal("bare ffmpeg wrote nothing")
	}
	mx, mb := median(tExtract), median(tBare)
	b.ReportMetric(float64(mx)/1e6, "extract-ms")
	b.ReportMetric(float64(mb)/1e6, "ffmpeg-ms")
	b.ReportMetric(float64(mx)/float64(mb), "ratio")
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
