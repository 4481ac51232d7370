package captions

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFitEdge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ w, h, edge, ww, wh int }{
		{3000, 1872, 1280, 1280, 799},
		{1872, 3000, 1280, 799, 1280},
		{548, 342, 1280, 548, 342},
		{1280, 1280, 1280, 1280, 1280},
		{5000, 10, 1000, 1000, 2},
		{10000, 1, 960, 960, 1},
	} {
		w, h := fitEdge(tc.w, tc.h, tc.edge)
		assert.Equal(t, [2]int{tc.ww, tc.wh}, [2]int{w, h}, "%dx%d to %d", tc.w, tc.h, tc.edge)
	}
}

func TestUnreadableImagesArePermanent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	messi, err := os.ReadFile(testenv.Sample(t, "messi5.jpg"))
	require.NoError(t, err)
	files := map[string]string{
		filepath.Join(dir, "missing.jpg"): "does not exist",
		dir:                               "directory",
		write("empty.jpg", nil):           "empty",
		write("notes.jpg", []byte("these are not the pixels you seek")):                 "not a readable",
		write("cut.jpg", messi[:len(messi)/3]):                                          "damaged",
		write("photo.heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")): "not a readable",
	}
	anim := filepath.Join(dir, "clip.webp")
	out, err := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5",
		"-t", "1", "-c:v", "libwebp_anim", "-loop", "0", anim).CombinedOutput()
	require.NoError(t, err, "ffmpeg: %s", out)
	files[anim] = "animated WebP is not supported"
	eachBackend(t, func(t *testing.T, backend string) {
		f := newFake(t, backend).start(nil)
		c := newCaptioner(t, backend, f.URL(), nil)
		for path, says := range files {
			_, err := c.Caption(context.Background(), path)
			require.Error(t, err, path)
			assert.True(t, IsPermanent(err), "%v", err)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), says)
		}
		assert.Zero(t, f.requests.Load(), "a bad file never reaches the server")
	})
}

// quadrants is a 40x20 image: red, green on top; blue, white below.
func quadrants() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for y := range 20 {
		for x := range 40 {
			c := [4]color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}}[(y/10)*2+x/20]
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// withOrientation inserts an EXIF APP1 segment carrying orientation o after the JPEG's SOI.
func withOrientation(jpg []byte, o uint16, order binary.ByteOrder) []byte {
	tiff := make([]byte, 26)
	if order == binary.LittleEndian {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	order.PutUint16(tiff[2:], 42)
	order.PutUint32(tiff[4:], 8)
	order.PutUint16(tiff[8:], 1)      // one entry
	order.PutUint16(tiff[10:], 0x112) // Orientation
	order.PutUint16(tiff[12:], 3)     // SHORT
	order.PutUint32(tiff[14:], 1)
	order.PutUint16(tiff[18:], o)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 0}, seg...)
	binary.BigEndian.PutUint16(out[4:], uint16(len(seg)+2))
	return append(out, jpg[2:]...)
}

func TestEXIFOrientation(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, quadrants(), &jpeg.Options{Quality: 95}))
	want := map[uint16][4]string{
		1: {"red", "green", "blue", "white"},
		2: {"green", "red", "white", "blue"},
		3: {"white", "blue", "green", "red"},
		4: {"blue", "white", "red", "green"},
		5: {"red", "blue", "green", "white"},
		6: {"blue", "red", "white", "green"},
		7: {"white", "green", "blue", "red"},
		8: {"green", "white", "red", "blue"},
	}
	for o, quads := range want {
		for _, order := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
			p := filepath.Join(t.TempDir(), "o.jpg")
			require.NoError(t, os.WriteFile(p, withOrientation(buf.Bytes(), o, order), 0o644))
			s, err := loadImage(p)
			require.NoError(t, err)
			require.Equal(t, int(o), s.orientation)
			data, edge, err := s.encodeJPEG(1280)
			require.NoError(t, err)
			assert.Equal(t, 40, edge)
			out, err := jpeg.Decode(bytes.NewReader(data))
			require.NoError(t, err)
			b := out.Bounds()
			if o >= 5 {
				require.Equal(t, [2]int{20, 40}, [2]int{b.Dx(), b.Dy()}, "orientation %d turns the image", o)
			} else {
				require.Equal(t, [2]int{40, 20}, [2]int{b.Dx(), b.Dy()})
			}
			got := [4]string{
				colorName(out.At(b.Dx()/4, b.Dy()/4)), colorName(out.At(3*b.Dx()/4, b.Dy()/4)),
				colorName(out.At(b.Dx()/4, 3*b.Dy()/4)), colorName(out.At(3*b.Dx()/4, 3*b.Dy()/4)),
			}
			assert.Equal(t, quads, got, "orientation %d", o)
		}
	}
}

func colorName(c color.Color) string {
	r, g, b, _ := c.RGBA()
	hi := func(v uint32) bool { return v > 0xA000 }
	switch {
	case hi(r) && hi(g) && hi(b):
		return "white"
	case hi(r):
		return "red"
	case hi(g):
		return "green"
	case hi(b):
		return "blue"
	}
	return "dark"
}

func TestTransparencyBecomesWhite(t *testing.T) {
	t.Parallel()
	img := image.NewNRGBA(image.Rect(0, 0, 32, 32)) // fully transparent
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	p := filepath.Join(t.TempDir(), "clear.png")
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
	s, err := loadImage(p)
	require.NoError(t, err)
	data, _, err := s.encodeJPEG(1280)
	require.NoError(t, err)
	out, err := jpeg.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, "white", colorName(out.At(16, 16)), "transparent pixels are flattened onto white, not black")
}

func TestCaptionGIF(t *testing.T) {
	t.Parallel()
	small, w, h := scaledSample(t, "astronaut.png", 96)
	require.Equal(t, [2]int{96, 96}, [2]int{w, h})
	var buf bytes.Buffer
	require.NoError(t, gif.Encode(&buf, decodeFile(t, small), nil))
	p := filepath.Join(t.TempDir(), "astronaut.gif")
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
	eachBackend(t, func(t *testing.T, backend string) {
		f := newFake(t, backend).start(nil)
		_, err := newCaptioner(t, backend, f.URL(), nil).Caption(context.Background(), p)
		require.NoError(t, err)
		assert.Equal(t, []int{96}, f.seenEdges())
	})
}
