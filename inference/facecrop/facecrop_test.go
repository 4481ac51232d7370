package facecrop

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// exifJPEG encodes img as a JPEG whose EXIF says orientation o.
func exifJPEG(t *testing.T, img image.Image, o byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}))
	b := buf.Bytes()
	tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, o, 0, 0, 0, 0, 0, 0, 0}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	n := len(payload) + 2
	app1 := append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, payload...)
	return append(append([]byte{0xFF, 0xD8}, app1...), b[2:]...)
}

func meanOf(img *image.RGBA) (r, g, b float64) {
	n := float64(img.Bounds().Dx() * img.Bounds().Dy())
	for i := 0; i < len(img.Pix); i += 4 {
		r += float64(img.Pix[i])
		g += float64(img.Pix[i+1])
		b += float64(img.Pix[i+2])
	}
	return r / n, g / n, b / n
}

// TestCutUpright: a box in the upright image's pixels is cut from a photo stored on its side.
func TestCutUpright(t *testing.T) {
	// Stored 80x40: left half red, right half blue. Orientation 6 turns it a quarter clockwise:
	// upright 40x80, the top half red, the bottom half blue.
	stored := image.NewRGBA(image.Rect(0, 0, 80, 40))
	for y := range 40 {
		for x := range 80 {
			c := color.RGBA{220, 10, 10, 255}
			if x >= 40 {
				c = color.RGBA{10, 10, 220, 255}
			}
			stored.Set(x, y, c)
		}
	}
	path := filepath.Join(t.TempDir(), "side.jpg")
	require.NoError(t, os.WriteFile(path, exifJPEG(t, stored, 6), 0o644))
	m, err := Open(path)
	require.NoError(t, err)
	require.Equal(t, [2]int{40, 80}, [2]int{m.W, m.H})
	top, err := m.Cut(Box{X: 5, Y: 5, W: 30, H: 30}, 256)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 30, 30), top.Bounds())
	r, _, b := meanOf(top)
	require.Greater(t, r, 180.0)
	require.Less(t, b, 50.0)
	bottom, err := m.Cut(Box{X: 5, Y: 45, W: 30, H: 30}, 256)
	require.NoError(t, err)
	r, _, b = meanOf(bottom)
	require.Less(t, r, 50.0)
	require.Greater(t, b, 180.0)

	// Shrunk to fit the edge, aspect kept; clipped to the image as the app clips it.
	wide, err := m.Cut(Box{X: -10, Y: 0, W: 60, H: 20}, 16)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 16, 8), wide.Bounds())

	_, err = m.Cut(Box{X: 100, Y: 100, W: 10, H: 10}, 256)
	require.ErrorIs(t, err, ErrBadImage)
	jpg, err := m.JPEG(Box{X: 0, Y: 0, W: 40, H: 80}, 20, 85)
	require.NoError(t, err)
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
	require.NoError(t, err)
	require.Equal(t, [2]int{10, 20}, [2]int{cfg.Width, cfg.Height})
}

func TestOpenBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{"empty.jpg": {}, "text.jpg": []byte("not an image at all")} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		_, err := Open(p)
		require.True(t, errors.Is(err, ErrBadImage), "%s: %v", name, err)
		require.ErrorContains(t, err, p)
	}
	_, err := Open(filepath.Join(dir, "missing.jpg"))
	require.ErrorIs(t, err, ErrBadImage)
	require.ErrorContains(t, err, "does not exist")
}
