package faces

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// pngChunkTo writes one PNG chunk with its CRC.
func pngChunkTo(w io.Writer, typ string, data []byte) {
	binary.Write(w, binary.BigEndian, uint32(len(data)))
	body := append([]byte(typ), data...)
	w.Write(body)
	binary.Write(w, binary.BigEndian, crc32.ChecksumIEEE(body))
}

// writeBig16PNG writes a w x h 16-bit RGB PNG row by row (never holding the image), a grey
// gradient with the astronaut pasted, enlarged k times, at (px, py): a big photo with one
// face of about 100k pixels' side.
func writeBig16PNG(t testing.TB, path string, w, h, px, py, k int) {
	t.Helper()
	face := readRGBA(t, testenv.Sample(t, "astronaut.png"))
	fw, fh := face.Bounds().Dx()*k, face.Bounds().Dy()*k
	var idat bytes.Buffer
	zw, err := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	require.NoError(t, err)
	// Rows are written with the Up filter (each the difference from the row above), so the
	// rows of plain background are zeros and compress fast.
	row, prev, line := make([]byte, 6*w), make([]byte, 6*w), make([]byte, 1+6*w)
	line[0] = 2
	for x := range w {
		v := uint16(20000 + 20000*x/w)
		for c := range 3 {
			binary.BigEndian.PutUint16(row[6*x+2*c:], v)
		}
	}
	bg := append([]byte{}, row...)
	for y := range h {
		copy(row, bg)
		if fy := y - py; fy >= 0 && fy < fh {
			for fx := range fw {
				p := face.Pix[(fy/k)*face.Stride+4*(fx/k):]
				for c := range 3 {
					binary.BigEndian.PutUint16(row[6*(px+fx)+2*c:], uint16(p[c])*257)
				}
			}
		}
		for i := range row {
			line[1+i] = row[i] - prev[i]
		}
		copy(prev, row)
		_, err := zw.Write(line)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 2
	pngChunkTo(&out, "IHDR", ihdr)
	pngChunkTo(&out, "IDAT", idat.Bytes())
	pngChunkTo(&out, "IEND", nil)
	require.NoError(t, os.WriteFile(path, out.Bytes(), 0o644))
}

// TestDecodeMemoryIsBounded runs four 100-megapixel images at once through one pipeline in
// a child process (a 16-bit PNG twice and a JPEG of the same picture twice)
// and reads the child's peak resident memory: the face in each is found, and the peak stays
// far below what decoding them whole would take (16-bit PNG: 8 bytes a pixel in Go's
// decoder plus 3 in the raster, 1.1 GB each).
func TestDecodeMemoryIsBounded(t *testing.T) {
	if dir := os.Getenv("MEDIAFLEET_BIG_IMAGES"); dir != "" {
		bigImagesChild(t, dir)
		return
	}
	t.Parallel()
	dir := t.TempDir()
	const side, k = 10000, 4
	writeBig16PNG(t, filepath.Join(dir, "big16.png"), side, side, 6000, 2000, k)
	out, err := exec.CommandContext(context.Background(), "ffmpeg", "-nostdin", "-loglevel", "error", "-y",
		"-i", filepath.Join(dir, "big16.png"), "-q:v", "4", "-pix_fmt", "yuvj420p", filepath.Join(dir, "big.jpg")).CombinedOutput()
	require.NoError(t, err, "ffmpeg: %s", out)
	cmd := exec.CommandContext(context.Background(), os.Args[0], "-test.run=^TestDecodeMemoryIsBounded$", "-test.v")
	cmd.Env = append(os.Environ(), "MEDIAFLEET_BIG_IMAGES="+dir)
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "child: %s", out)
	m := strings.SplitN(string(out), "peak-rss-kib=", 2)
	require.Len(t, m, 2, "child printed no peak: %s", out)
	kib, err := strconv.Atoi(strings.Fields(m[1])[0])
	require.NoError(t, err)
	t.Logf("peak RSS with four 100-megapixel images in flight: %d MiB", kib>>10)
	require.Less(t, kib>>10, 1024, "the pipeline's peak memory with four 100 MP images at once")
}

func bigImagesChild(t *testing.T, dir string) {
	p := defaultPipeline(t)
	files := []string{"big16.png", "big16.png", "big.jpg", "big.jpg"}
	var wg sync.WaitGroup
	errs := make([]error, len(files))
	found := make([]*Result, len(files))
	for i, f := range files {
		wg.Go(func() { found[i], errs[i] = p.ProcessFile(context.Background(), filepath.Join(dir, f)) })
	}
	wg.Wait()
	for i := range files {
		require.NoError(t, errs[i], files[i])
		require.NotEmpty(t, found[i].Faces, files[i])
		b := found[i].Faces[0].Box // the best: the astronaut's face, inside the pasted picture
		require.True(t, b.X1 > 6000 && b.Y1 > 2000 && b.X2 < 6000+4*512 && b.Y2 < 2000+4*512, "%s: %+v", files[i], b)
	}
	status, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			fmt.Printf("peak-rss-kib=%s\n", strings.Fields(v)[0])
		}
	}
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
