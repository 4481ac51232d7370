package faces

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// TestDecodeMemoryIsBounded runs four 100-megapixel images at once through one pipeline (a
// 16-bit PNG twice and a JPEG of the same picture twice) in a process of its own, built without
// the race detector, and reads its peak resident memory: the face in each is found, and the
// peak stays far below what decoding them whole would take (16-bit PNG: 8 bytes a pixel in
// Go's decoder plus 3 in the raster, 1.1 GB each).
func TestDecodeMemoryIsBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A grey 10000x10000 picture with the astronaut pasted at (6000, 2000), enlarged 4 times:
	// one face of about 800 pixels' side.
	png16, jpg := filepath.Join(dir, "big16.png"), filepath.Join(dir, "big.jpg")
	ffmpeg := func(args ...string) {
		out, err := exec.CommandContext(context.Background(), "ffmpeg", append([]string{"-nostdin", "-loglevel", "error", "-y"}, args...)...).CombinedOutput()
		require.NoError(t, err, "ffmpeg: %s", out)
	}
	ffmpeg("-f", "lavfi", "-i", "color=c=0x808080:s=10000x10000", "-i", testenv.Sample(t, "astronaut.png"),
		"-filter_complex", "[1]scale=2048:2048[a];[0][a]overlay=6000:2000,format=rgb48be", "-frames:v", "1", png16)
	ffmpeg("-i", png16, "-q:v", "4", "-pix_fmt", "yuvj420p", jpg)

	bin := filepath.Join(t.TempDir(), "bigimages")
	out, err := exec.Command("go", "build", "-o", bin, "./testdata/bigimages").CombinedOutput()
	require.NoError(t, err, "building bigimages: %s", out)
	out, err = exec.Command(bin, "-ort", testenv.ORTLib(t), "-models", testenv.ModelsDir(t), png16, png16, jpg, jpg).Output()
	require.NoError(t, err, "bigimages: %s", out)
	var r struct {
		Boxes      [][4]float32 `json:"boxes"`
		Errors     []string     `json:"errors"`
		PeakRSSKiB int          `json:"peak_rss_kib"`
	}
	require.NoError(t, json.Unmarshal(out, &r), "%s", out)
	for i, b := range r.Boxes {
		require.Empty(t, r.Errors[i])
		require.True(t, b[0] > 6000 && b[1] > 2000 && b[2] < 6000+2048 && b[3] < 2000+2048, "image %d: the astronaut's face, got %v", i, b)
	}
	t.Logf("peak RSS with four 100-megapixel images in flight: %d MiB", r.PeakRSSKiB>>10)
	require.Less(t, r.PeakRSSKiB>>10, 1024, "the pipeline's peak memory with four 100 MP images at once")
}

// TestOverBudgetIsRefusedWithTheNumbers: an image that could never fit the decode budget is
// refused as too large, and the reason says how much it needs and what the budget is.
func TestOverBudgetIsRefusedWithTheNumbers(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig(testenv.ModelsDir(t))
	cfg.DecodeBudget = 1 << 20
	p := newPipeline(t, cfg)
	path := testenv.Sample(t, "messi5.jpg")
	_, err := p.ProcessFile(context.Background(), path)
	require.ErrorIs(t, err, ErrTooLarge)
	require.ErrorContains(t, err, path)
	require.ErrorContains(t, err, "decoding the 548x342 JPEG needs about 3 MiB of memory, more than this worker's decode budget of 1 MiB")
}

// TestAnimatedWebPIsUnsupported: an animated WebP is refused as unsupported, not corrupt.
func TestAnimatedWebPIsUnsupported(t *testing.T) {
	t.Parallel()
	p := defaultPipeline(t)
	path := filepath.Join(t.TempDir(), "clip.webp")
	out, err := exec.CommandContext(context.Background(), "ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc=size=64x48:rate=5", "-t", "1", "-c:v", "libwebp_anim", "-loop", "0", path).CombinedOutput()
	require.NoError(t, err, "ffmpeg: %s", out)
	_, err = p.ProcessFile(context.Background(), path)
	require.ErrorIs(t, err, ErrUnsupportedFormat)
	require.NotErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "animated WebP is not supported")
}

// TestTransparentPixelsAreWhite: a fully transparent PNG whose invisible pixels hold a face
// shows nothing, so no face is found; the same pixels opaque show the face; premultiplied
// and straight alpha give the same picture.
func TestTransparentPixelsAreWhite(t *testing.T) {
	t.Parallel()
	p := defaultPipeline(t)
	src := readRGBA(t, testenv.Sample(t, "astronaut.png"))
	invisible := image.NewNRGBA(src.Bounds())
	copy(invisible.Pix, src.Pix)
	for i := 3; i < len(invisible.Pix); i += 4 {
		invisible.Pix[i] = 0
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "invisible.png")
	writePNG(t, path, invisible)
	res, err := p.ProcessFile(context.Background(), path)
	require.NoError(t, err)
	require.Zero(t, len(res.Faces), "a face in pixels nobody can see")
	res, err = p.ProcessImage(context.Background(), invisible)
	require.NoError(t, err)
	require.Zero(t, len(res.Faces))

	half := image.NewNRGBA(src.Bounds())
	copy(half.Pix, src.Pix)
	for i := 3; i < len(half.Pix); i += 4 {
		half.Pix[i] = 128
	}
	pre := image.NewRGBA(src.Bounds()) // the same picture, premultiplied
	for i := 0; i < len(pre.Pix); i += 4 {
		for c := range 3 {
			pre.Pix[i+c] = byte((uint32(half.Pix[i+c])*128 + 127) / 255)
		}
		pre.Pix[i+3] = 128
	}
	a, b := toRaster(half), toRaster(pre)
	for i := range a.pix {
		d := int(a.pix[i]) - int(b.pix[i])
		require.True(t, d >= -2 && d <= 2, "pixel byte %d: straight %d, premultiplied %d", i, a.pix[i], b.pix[i])
	}
	path = filepath.Join(dir, "half.png")
	writePNG(t, path, half)
	streamed, err := loadFile(path, 1e9)
	require.NoError(t, err)
	require.Equal(t, a.pix, streamed.pix, "streamed PNG and Go's decoder composite alike")
}

// TestReasonsNameTheKindNotTheContents: a text file named like a photo is refused with a
// reason that says it is text and quotes none of it.
func TestReasonsNameTheKindNotTheContents(t *testing.T) {
	t.Parallel()
	p := defaultPipeline(t)
	dir := t.TempDir()
	for name, c := range map[string]struct{ data, kind string }{
		"passwd.jpg":  {"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n", "it looks like text"},
		"key.png":     {"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n", "it looks like text"},
		"invoice.jpg": {"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "it looks like a PDF document"},
		"blob.webp":   {"\x00\x01\x02\x03\xfe\xfd\xfc\x80\x81\x82\x83\x84", "its contents match no known image format"},
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(c.data), 0o644))
		_, err := p.ProcessFile(context.Background(), path)
		require.ErrorIs(t, err, ErrUnsupportedFormat, name)
		require.ErrorContains(t, err, c.kind, name)
		msg := strings.TrimPrefix(err.Error(), "image "+path)
		for _, leak := range []string{"root", "72 6f", "BEGIN", "PDF-1.7", "00 01 02"} {
			require.NotContains(t, msg, leak, name)
		}
	}
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}
