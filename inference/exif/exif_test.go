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
