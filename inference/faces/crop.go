package faces

import (
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
)

// Crop is the aligned square crop the embedding was computed from (nil for a Face that
// did not come from a Pipeline).
func (f *Face) Crop() *image.RGBA {
	if f.crop == nil {
		return nil
	}
	r := f.crop
	img := image.NewRGBA(image.Rect(0, 0, r.w, r.h))
	for i := 0; i < r.w*r.h; i++ {
		copy(img.Pix[4*i:4*i+3], r.pix[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return img
}

// SaveCrop writes the aligned crop to path: JPEG (quality 95) for .jpg and .jpeg, PNG
// otherwise. The folder must exist.
func (f *Face) SaveCrop(path string) error {
	img := f.Crop()
	if img == nil {
		return fmt.Errorf("saving face crop %s: the face has no crop", path)
	}
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("saving face crop: %w", err)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jpg", ".jpeg":
		err = jpeg.Encode(file, img, &jpeg.Options{Quality: 95})
	default:
		err = png.Encode(file, img)
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("saving face crop %s: %w", path, err)
	}
	return nil
}

// AlignedCrop renders the size x size crop the embedder is given for a face whose five
// landmarks (eye centres, nose tip, mouth corners, in img's pixels) are lm: the face turned
// upright and scaled onto the ArcFace reference points, as the pipeline aligns it.
func AlignedCrop(img image.Image, lm [5]Point, size int) *image.RGBA {
	var ref [5]Point
	k := float32(size) / 112
	for i, t := range arcFaceTemplate {
		ref[i] = Point{t.X * k, t.Y * k}
	}
	f := Face{crop: warp(toRaster(img), umeyama(lm, ref), size)}
	return f.Crop()
}
