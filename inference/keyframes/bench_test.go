package keyframes_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// BenchmarkExtract runs Extract on Megamind.avi and, in the same loop, the bare ffmpeg
// command it builds on (keyframes only, into numbered JPEGs), and reports the ratio of their
// median times: what choosing, timing and placing the frames cost over decoding them.
func BenchmarkExtract(b *testing.B) {
	path := testenv.Sample(b, "Megamind.avi")
	ffmpeg := tool(b, "ffmpeg")
	e := extractor(b)
	ctx := context.Background()
	out := b.TempDir()
	bare := b.TempDir()
	var tExtract, tBare []time.Duration
	for b.Loop() {
		start := time.Now()
		cmd := exec.CommandContext(ctx, ffmpeg, "-nostdin", "-y", "-loglevel", "error",
			"-skip_frame", "nokey", "-i", path, "-fps_mode", "vfr", filepath.Join(bare, "out%04d.jpg"))
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
