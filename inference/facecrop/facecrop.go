package facecrop

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // first frame of a GIF
	"image/jpeg"
	_ "image/png"
	"io/fs"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/mediafleet/mediafleet/inference/exif"

	"github.com/mediafleet/mediafleet/inference/mediafile"
)

// Limits that keep one bad file from exhausting memory.
const (
	maxFileBytes = 256 << 20
	maxPixels    = 200_000_000
)

// ErrBadImage marks a file that cannot be cut from: missing, not an image, damaged, or a box
// outside it. Trying again does not help.
var ErrBadImage = errors.New("cannot cut a face from this image")

// Image is a decoded photo with its EXIF orientation, ready to cut any number of boxes from.
type Image struct {
	path        string
	img         image.Image
	orientation int
	// W and H are the size of the upright image.
	W, H int
}

// Open decodes the photo at path (JPEG with its EXIF orientation, PNG, WebP, GIF).
func Open(path string) (*Image, error) {
	bad := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("%w: %s: %s: %v", ErrBadImage, path, what, err)
		}
		return fmt.Errorf("%w: %s: %s", ErrBadImage, path, what)
	}
	st, err := mediafile.Check(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, bad("file does not exist", nil)
	case errors.Is(err, mediafile.ErrNotRegular):
		return nil, bad("not a regular file", nil)
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", path, err)
	case st.Size() == 0:
		return nil, bad("file is empty", nil)
	case st.Size() > maxFileBytes:
		return nil, bad(fmt.Sprintf("file is %d MiB, over %d MiB", st.Size()>>20, maxFileBytes>>20), nil)
	}
	data, err := mediafile.ReadFile(path, maxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return Decode(path, data)
}

// Decode is Open for a picture already in memory (a keyframe the results store keeps); name
// says which picture it is in errors.
func Decode(name string, data []byte) (*Image, error) {
	path := name
	bad := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("%w: %s: %s: %v", ErrBadImage, path, what, err)
		}
		return fmt.Errorf("%w: %s: %s", ErrBadImage, path, what)
	}
	if len(data) > maxFileBytes {
		return nil, bad(fmt.Sprintf("picture is %d MiB, over %d MiB", len(data)>>20, maxFileBytes>>20), nil)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, bad("not a JPEG, PNG, WebP or GIF image", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, bad(fmt.Sprintf("%dx%d pixels is empty or too large", cfg.Width, cfg.Height), nil)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, bad(format+" data is damaged", err)
	}
	o := 1
	if format == "jpeg" {
		o = exif.Orientation(data)
	}
	b := img.Bounds()
	w, h := exif.Upright(o, b.Dx(), b.Dy())
	return &Image{path: path, img: img, orientation: o, W: w, H: h}, nil
}

// Box is a face box in the upright image's pixels: X, Y the top-left corner.
type Box struct{ X, Y, W, H float64 }

// Cut returns the box shrunk to fit edge x edge pixels (never enlarged), upright and RGB.
// The box is clipped to the image, as that app clips it; a box wholly outside is an error.
func (m *Image) Cut(b Box, edge int) (*image.RGBA, error) {
	r := m.Clip(b)
	x1, y1, x2, y2 := r.Min.X, r.Min.Y, r.Max.X, r.Max.Y
	if r.Empty() {
		return nil, fmt.Errorf("%w: %s: box %.0f,%.0f %.0fx%.0f lies outside the %dx%d image", ErrBadImage, m.path, b.X, b.Y, b.W, b.H, m.W, m.H)
	}
	cw, ch := x2-x1, y2-y1
	crop := image.NewRGBA(image.Rect(0, 0, cw, ch))
	sb := m.img.Bounds()
	at := pixelReader(m.img)
	for y := 0; y < ch; y++ {
		for x := 0; x < cw; x++ {
			sx, sy := exif.Source(m.orientation, sb.Dx(), sb.Dy(), x1+x, y1+y)
			i := crop.PixOffset(x, y)
			crop.Pix[i], crop.Pix[i+1], crop.Pix[i+2] = at(sb.Min.X+sx, sb.Min.Y+sy)
			crop.Pix[i+3] = 255
		}
	}
	tw, th := fit(cw, ch, edge)
	if tw == cw && th == ch {
		return crop, nil
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.CatmullRom.Scale(dst, dst.Bounds(), crop, crop.Bounds(), draw.Src, nil)
	return dst, nil
}

// Clip is the part of the upright image that Cut takes for b: b clipped to the image, in
// whole pixels; empty when b lies wholly outside.
func (m *Image) Clip(b Box) image.Rectangle {
	x1, y1 := int(max(0, b.X)), int(max(0, b.Y))
	x2, y2 := int(min(float64(m.W), b.X+b.W)), int(min(float64(m.H), b.Y+b.H))
	if x2 <= x1 || y2 <= y1 {
		return image.Rectangle{}
	}
	return image.Rect(x1, y1, x2, y2)
}

// JPEG is Cut encoded as a JPEG of the given quality.
func (m *Image) JPEG(b Box, edge, quality int) ([]byte, error) {
	img, err := m.Cut(b, edge)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("encoding the face of %s: %w", m.path, err)
	}
	return buf.Bytes(), nil
}

// fit scales w x h down to fit edge x edge keeping the aspect (as PIL's thumbnail does).
func fit(w, h, edge int) (int, int) {
	if w <= edge && h <= edge {
		return w, h
	}
	if w >= h {
		return edge, max(1, int(float64(h)*float64(edge)/float64(w)+0.5))
	}
	return max(1, int(float64(w)*float64(edge)/float64(h)+0.5)), edge
}

// pixelReader reads RGB pixels, straight from the buffers of the types decoders return
// (JPEG's YCbCr, PNG's RGBA and NRGBA), through At for the rest.
func pixelReader(img image.Image) func(x, y int) (r, g, b uint8) {
	switch m := img.(type) {
	case *image.YCbCr:
		return func(x, y int) (uint8, uint8, uint8) {
			return color.YCbCrToRGB(m.Y[m.YOffset(x, y)], m.Cb[m.COffset(x, y)], m.Cr[m.COffset(x, y)])
		}
	case *image.RGBA:
		return func(x, y int) (uint8, uint8, uint8) {
			i := m.PixOffset(x, y)
			return m.Pix[i], m.Pix[i+1], m.Pix[i+2]
		}
	case *image.NRGBA:
		return func(x, y int) (uint8, uint8, uint8) {
			i := m.PixOffset(x, y)
			a := uint16(m.Pix[i+3])
			return uint8(uint16(m.Pix[i]) * a / 255), uint8(uint16(m.Pix[i+1]) * a / 255), uint8(uint16(m.Pix[i+2]) * a / 255)
		}
	}
	return func(x, y int) (uint8, uint8, uint8) {
		r, g, b, _ := img.At(x, y).RGBA()
		return uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)
	}
}
