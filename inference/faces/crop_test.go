package faces

import (
	"image"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// TestAlignedCropMatchesTheEmbeddersCrop: the crop AlignedCrop cuts from the photo and the
// stored landmarks is the crop the pipeline embedded, pixel for pixel within a small error,
// at any size.
func TestAlignedCropMatchesTheEmbeddersCrop(t *testing.T) {
	t.Parallel()
	p := defaultPipeline(t)
	path := testenv.Sample(t, "astronaut.png")
	res, err := p.ProcessFile(t.Context(), path)
	require.NoError(t, err)
	require.Len(t, res.Faces, 1)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(t, err)

	want := res.Faces[0].Crop()
	got := AlignedCrop(img, res.Faces[0].Landmarks, 112)
	require.Equal(t, want.Bounds(), got.Bounds())
	var diff float64
	for i := range got.Pix {
		diff += absDiff(got.Pix[i], want.Pix[i])
	}
	require.Less(t, diff/float64(len(got.Pix)), 3.0, "mean difference per channel")

	// Another size is the same crop, scaled: its centre pixel matches.
	big := AlignedCrop(img, res.Faces[0].Landmarks, 224)
	require.Equal(t, image.Rect(0, 0, 224, 224), big.Bounds())
	c, bc := want.PixOffset(56, 56), big.PixOffset(112, 112)
	for k := range 3 {
		require.InDelta(t, float64(want.Pix[c+k]), float64(big.Pix[bc+k]), 24)
	}

	// Landmarks elsewhere give another crop: the comparison above can fail.
	moved := res.Faces[0].Landmarks
	for i := range moved {
		moved[i].X += 60
	}
	other := AlignedCrop(img, moved, 112)
	diff = 0
	for i := range other.Pix {
		diff += absDiff(other.Pix[i], want.Pix[i])
	}
	require.Greater(t, diff/float64(len(other.Pix)), 10.0)
}

func absDiff(a, b uint8) float64 {
	if a > b {
		return float64(a - b)
	}
	return float64(b - a)
}
