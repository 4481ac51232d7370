package exif

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSourceIsABijection: for every orientation, the upright image takes each stored pixel
// exactly once, and orientation 6 (the phone held upright) turns the image a quarter clockwise.
func TestSourceIsABijection(t *testing.T) {
	const w, h = 4, 3
	for o := 1; o <= 8; o++ {
		uw, uh := Upright(o, w, h)
		seen := map[[2]int]bool{}
		for y := 0; y < uh; y++ {
			for x := 0; x < uw; x++ {
				sx, sy := Source(o, w, h, x, y)
				require.True(t, sx >= 0 && sx < w && sy >= 0 && sy < h, "o=%d (%d,%d)", o, x, y)
				seen[[2]int{sx, sy}] = true
			}
		}
		require.Len(t, seen, w*h, "orientation %d", o)
	}
	// Orientation 6: the stored bottom-left pixel is the upright top-left one.
	sx, sy := Source(6, w, h, 0, 0)
	require.Equal(t, [2]int{0, h - 1}, [2]int{sx, sy})
	require.Equal(t, 1, Orientation([]byte("not a jpeg")))
}

// TestOrientationAfterLargeSegments: the EXIF segment may follow comments and other
// segments far past the start of the file (here 300 KiB of COM segments); it is still read.
func TestOrientationAfterLargeSegments(t *testing.T) {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00")
	app1 := append([]byte{0xFF, 0xE1, 0, byte(len(tiff) + 8)}, append([]byte("Exif\x00\x00"), tiff...)...)
	file := []byte{0xFF, 0xD8}
	comment := make([]byte, 60000)
	for range 5 {
		file = append(file, 0xFF, 0xFE, byte((len(comment)+2)>>8), byte(len(comment)+2))
		file = append(file, comment...)
	}
	require.Greater(t, len(file), 128<<10)
	file = append(file, app1...)
	file = append(file, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9)
	require.Equal(t, 6, Orientation(file))
	require.Equal(t, 1, Orientation(file[:len(file)-len(app1)-6]), "no EXIF segment: 1")
}
