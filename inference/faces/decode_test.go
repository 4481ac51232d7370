package faces

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/inference/exif"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// pngHeader is a PNG signature and a valid IHDR chunk declaring w x h, with no image data.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestBadImagesArePermanent(t *testing.T) {
	t.Parallel()
	p := defaultPipeline(t)
	dir := t.TempDir()
	messi, err := os.ReadFile(testenv.Sample(t, "messi5.jpg"))
	require.NoError(t, err)
	astronaut, err := os.ReadFile(testenv.Sample(t, "astronaut.png"))
	require.NoError(t, err)
	random := make([]byte, 4096)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range random {
		random[i] = byte(r.UintN(256))
	}
	heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), random[:512]...)
	cases := []struct {
		name string
		data []byte // nil: no file at all
		kind error
		says string
	}{
		{"empty.jpg", []byte{}, ErrCorrupt, "file is empty (0 bytes)"},
		{"truncated.jpg", messi[:len(messi)*6/10], ErrCorrupt, "cannot decode the 548x342 jpeg data"},
		{"truncated-header.jpg", messi[:40], ErrCorrupt, "cannot read the JPEG header"},
		{"truncated.png", astronaut[:len(astronaut)/2], ErrCorrupt, "cannot decode the 512x512 png data"},
		{"garbage.jpg", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, random...), ErrCorrupt, "cannot read the JPEG header"},
		{"huge.png", pngHeader(12000, 10000), ErrTooLarge, "12000x10000 png is 120.0 megapixels, over the limit of 100.0"},
		{"photo.heic", heic, ErrUnsupportedFormat, "HEIC/HEIF images are not supported"},
		{"random.heic", random, ErrUnsupportedFormat, "not an image this worker can read (its contents match no known image format)"},
		{"missing.jpg", nil, ErrNotFound, "file does not exist"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.name)
		if c.data != nil {
			require.NoError(t, os.WriteFile(path, c.data, 0o644))
		}
		_, err := p.ProcessFile(context.Background(), path)
		require.Error(t, err, c.name)
		require.True(t, IsPermanent(err), "%s: %v", c.name, err)
		require.ErrorIs(t, err, c.kind, c.name)
		require.ErrorContains(t, err, path, c.name)
		require.ErrorContains(t, err, c.says, c.name)
		var ie *ImageError
		require.ErrorAs(t, err, &ie)
		require.Equal(t, path, ie.Path)
	}

	_, err = p.ProcessFile(context.Background(), dir)
	require.ErrorIs(t, err, ErrUnsupportedFormat)
	require.ErrorContains(t, err, "not a regular file")
}

func TestPixelLimitIsCheckedBeforeDecoding(t *testing.T) {
	t.Parallel()
	path := testenv.Sample(t, "messi5.jpg")
	_, err := loadFile(path, 548*342-1)
	require.ErrorIs(t, err, ErrTooLarge)
	require.ErrorContains(t, err, "548x342 jpeg is 0.2 megapixels")
	img, err := loadFile(path, 548*342)
	require.NoError(t, err)
	require.Equal(t, [2]int{548, 342}, [2]int{img.w, img.h})
}

func TestOrientTable(t *testing.T) {
	t.Parallel()
	src := newRaster(3, 2)
	for i := range 6 {
		src.pix[3*i] = byte(i)
	}
	want := map[int][]byte{ // pixels row by row, as the image shows upright
		1: {0, 1, 2, 3, 4, 5},
		2: {2, 1, 0, 5, 4, 3},
		3: {5, 4, 3, 2, 1, 0},
		4: {3, 4, 5, 0, 1, 2},
		5: {0, 3, 1, 4, 2, 5},
		6: {3, 0, 4, 1, 5, 2},
		7: {5, 2, 4, 1, 3, 0},
		8: {2, 5, 1, 4, 0, 3},
	}
	for o, w := range want {
		got := orient(src, o)
		if o >= 5 {
			require.Equal(t, [2]int{2, 3}, [2]int{got.w, got.h}, "orientation %d", o)
		} else {
			require.Equal(t, [2]int{3, 2}, [2]int{got.w, got.h}, "orientation %d", o)
		}
		var vals []byte
		for i := range 6 {
			vals = append(vals, got.pix[3*i])
		}
		require.Equal(t, w, vals, "orientation %d", o)
	}
}

// exifSegment is an APP1 segment holding only an Orientation tag.
func exifSegment(order binary.ByteOrder, orientation uint16) []byte {
	var tiff bytes.Buffer
	if order == binary.LittleEndian {
		tiff.WriteString("II")
	} else {
		tiff.WriteString("MM")
	}
	binary.Write(&tiff, order, uint16(42))
	binary.Write(&tiff, order, uint32(8))
	binary.Write(&tiff, order, uint16(2))                       // two entries
	binary.Write(&tiff, order, []uint16{0x010F, 2, 0, 4, 0, 0}) // Make, ignored
	binary.Write(&tiff, order, []uint16{0x0112, 3})             // Orientation, SHORT
	binary.Write(&tiff, order, uint32(1))
	binary.Write(&tiff, order, []uint16{orientation, 0})
	binary.Write(&tiff, order, uint32(0))
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// withEXIF inserts an EXIF segment right after a JPEG's start marker.
func withEXIF(jpg, seg []byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func TestJPEGOrientationParsing(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8)), nil))
	require.Equal(t, 1, exif.Orientation(buf.Bytes()), "no EXIF")
	for o := uint16(1); o <= 8; o++ {
		require.Equal(t, int(o), exif.Orientation(withEXIF(buf.Bytes(), exifSegment(binary.LittleEndian, o))))
		require.Equal(t, int(o), exif.Orientation(withEXIF(buf.Bytes(), exifSegment(binary.BigEndian, o))))
	}
	require.Equal(t, 1, exif.Orientation(withEXIF(buf.Bytes(), exifSegment(binary.BigEndian, 9))), "out of range")
	seg := exifSegment(binary.BigEndian, 6)
	require.Equal(t, 1, exif.Orientation(withEXIF(buf.Bytes(), seg[:20])), "cut short")
}

// TestEXIFOrientationIsApplied stores the astronaut turned on its side with the EXIF tag
// that turns it back, and expects the face where it is in the upright picture, also when
// the EXIF segment comes after large comment segments.
func TestEXIFOrientationIsApplied(t *testing.T) {
	t.Parallel()
	p := defaultPipeline(t)
	path := testenv.Sample(t, "astronaut.png")
	upright, err := p.ProcessFile(context.Background(), path)
	require.NoError(t, err)
	require.Len(t, upright.Faces, 1)
	src := readRGBA(t, path)
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	stored := map[uint16]func(sx, sy int) (int, int){ // stored pixel -> upright pixel
		3: func(sx, sy int) (int, int) { return w - 1 - sx, h - 1 - sy },
		6: func(sx, sy int) (int, int) { return w - 1 - sy, sx }, // stored turned 90 degrees anticlockwise
		8: func(sx, sy int) (int, int) { return sy, h - 1 - sx }, // stored turned 90 degrees clockwise
	}
	for o, from := range stored {
		sw, sh := w, h
		if o >= 5 {
			sw, sh = h, w
		}
		img := image.NewRGBA(image.Rect(0, 0, sw, sh))
		for sy := range sh {
			for sx := range sw {
				ux, uy := from(sx, sy)
				copy(img.Pix[sy*img.Stride+4*sx:][:4], src.Pix[uy*src.Stride+4*ux:][:4])
			}
		}
		var buf bytes.Buffer
		require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}))
		// The EXIF segment right after the start, and after 300 KiB of comments (it still counts).
		var comments []byte
		for range 5 {
			comments = append(comments, 0xFF, 0xFE, 0xEA, 0x62) // COM, 60002 bytes with the length
			comments = append(comments, bytes.Repeat([]byte("c"), 60000)...)
		}
		for _, before := range [][]byte{nil, comments} {
			out := filepath.Join(t.TempDir(), "turned.jpg")
			require.NoError(t, os.WriteFile(out, withEXIF(buf.Bytes(), append(before, exifSegment(binary.BigEndian, o)...)), 0o644))
			res, err := p.ProcessFile(context.Background(), out)
			require.NoError(t, err)
			require.Equal(t, [2]int{w, h}, [2]int{res.Width, res.Height}, "orientation %d after %d bytes", o, len(before))
			require.Len(t, res.Faces, 1, "orientation %d", o)
			require.Greater(t, iou(res.Faces[0].Box, upright.Faces[0].Box), float32(0.8), "orientation %d after %d bytes: %+v vs %+v", o, len(before), res.Faces[0].Box, upright.Faces[0].Box)
			require.Greater(t, Cosine(res.Faces[0].Embedding, upright.Faces[0].Embedding), float32(0.9), "orientation %d", o)
		}
	}
}

// TestWebPAndGIF decodes the astronaut as WebP (made by ffmpeg) and as the first frame of
// a GIF; a GIF whose first frame is black has no face even when a later frame does.
func TestWebPAndGIF(t *testing.T) {
	t.Parallel()
	p := defaultPipeline(t)
	dir := t.TempDir()
	src := testenv.Sample(t, "astronaut.png")
	webp := filepath.Join(dir, "astronaut.webp")
	out, err := exec.CommandContext(context.Background(), "ffmpeg", "-nostdin", "-loglevel", "error", "-i", src, "-c:v", "libwebp", "-quality", "90", webp).CombinedOutput()
	require.NoError(t, err, "ffmpeg: %s", out)
	res, err := p.ProcessFile(context.Background(), webp)
	require.NoError(t, err)
	require.Len(t, res.Faces, 1)

	// The web-safe palette is a 6x6x6 colour cube, so each pixel's index is arithmetic.
	img := readRGBA(t, src)
	face := image.NewPaletted(img.Bounds(), palette.WebSafe)
	for i := range len(face.Pix) {
		q := func(v uint8) uint8 { return (v + 25) / 51 }
		p := img.Pix[4*i:]
		face.Pix[i] = 36*q(p[0]) + 6*q(p[1]) + q(p[2])
	}
	black := image.NewPaletted(img.Bounds(), []color.Color{color.Black, color.White})
	for name, frames := range map[string][]*image.Paletted{"face-first.gif": {face, black}, "black-first.gif": {black, face}} {
		var buf bytes.Buffer
		require.NoError(t, gif.EncodeAll(&buf, &gif.GIF{Image: frames, Delay: []int{10, 10}}))
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		res, err := p.ProcessFile(context.Background(), path)
		require.NoError(t, err)
		want := 1
		if name == "black-first.gif" {
			want = 0
		}
		require.Len(t, res.Faces, want, name)
	}
}
