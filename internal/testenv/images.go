package testenv

import (
	"image"
	"image/jpeg"
	_ "image/png" // the PNG samples
	"os"
	"testing"

	"golang.org/x/image/draw"
)

// MirrorScaled writes the picture at src flipped left-right and scaled by 3/4 as a JPEG at
// dst: the same faces, as a different photo.
func MirrorScaled(t testing.TB, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatalf("%v: run `%s`", err, SetupHint)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("decoding %s: %v", src, err)
	}
	b := img.Bounds()
	flipped := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			flipped.Set(b.Max.X-1-(x-b.Min.X), y, img.At(x, y))
		}
	}
	small := image.NewRGBA(image.Rect(0, 0, b.Dx()*3/4, b.Dy()*3/4))
	draw.CatmullRom.Scale(small, small.Bounds(), flipped, b, draw.Src, nil)
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(out, small, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
