package captions

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // GIF decoder (first frame)
	"image/jpeg"
	_ "image/png" // PNG decoder
	"io/fs"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // WebP decoder

	"github.com/mediafleet/mediafleet/inference/exif"

	"github.com/mediafleet/mediafleet/inference/mediafile"
)

// Limits that keep one bad file from exhausting a worker's memory.
const (
	maxFileBytes  = 256 << 20
	maxPixels     = 200_000_000
	jpegQuality   = 90
	formatsWanted = "JPEG, PNG, WebP or GIF"
)

// sourceImage is a decoded image file ready to be scaled any number of times.
type sourceImage struct {
	path        string
	img         image.Image
	orientation int // EXIF orientation 1..8
}

// loadImage reads and decodes path. Every error is permanent and names the file.
func loadImage(path string) (*sourceImage, error) {
	bad := func(msg string, err error) error {
		return &Error{Path: path, Message: msg, Permanent: true, Err: err}
	}
	st, err := mediafile.Check(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, bad("image file does not exist", err)
	case errors.Is(err, mediafile.ErrNotRegular):
		return nil, bad("not an image file", err)
	case err != nil:
		return nil, bad("cannot read image file", err)
	case st.Size() == 0:
		return nil, bad("image file is empty", nil)
	case st.Size() > maxFileBytes:
		return nil, bad(fmt.Sprintf("image file is %d MiB, more than the %d MiB this worker reads", st.Size()>>20, maxFileBytes>>20), nil)
	}
	data, err := mediafile.ReadFile(path, maxFileBytes)
	if err != nil {
		return nil, bad("cannot read image file", err)
	}
	if len(data) >= 21 && string(data[8:12]) == "WEBP" && string(data[12:16]) == "VP8X" && data[20]&0x02 != 0 {
		return nil, bad("animated WebP is not supported (it holds a sequence of frames, not one photo); save a frame as JPEG, PNG or WebP", nil)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, bad("not a readable "+formatsWanted+" image", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, bad(fmt.Sprintf("%s image of %dx%d pixels is empty or too large to decode", format, cfg.Width, cfg.Height), nil)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, bad(fmt.Sprintf("%s image is damaged", format), err)
	}
	src := &sourceImage{path: path, img: img, orientation: 1}
	if format == "jpeg" {
		src.orientation = exif.Orientation(data)
	}
	return src, nil
}

// fitEdge returns w x h scaled so the long edge is at most maxEdge, never enlarged.
func fitEdge(w, h, maxEdge int) (int, int) {
	long := max(w, h)
	if long <= maxEdge {
		return w, h
	}
	sw := max(1, (w*maxEdge+long/2)/long)
	sh := max(1, (h*maxEdge+long/2)/long)
	return sw, sh
}

// encodeJPEG scales the image so its long edge is at most maxEdge, turns it upright,
// flattens any transparency onto white and encodes it as JPEG. It returns the JPEG and the
// long edge it has. Large reductions first halve the image with a 2x2 box filter (cheap and
// alias-free) while it stays at least the target size; Catmull-Rom does the rest.
func (s *sourceImage) encodeJPEG(maxEdge int) ([]byte, int, error) {
	img := s.img
	b := img.Bounds()
	w, h := fitEdge(b.Dx(), b.Dy(), maxEdge)
	for b.Dx()/2 >= w && b.Dy()/2 >= h {
		img = halve(img)
		b = img.Bounds()
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if b.Dx() == w && b.Dy() == h {
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	}
	flattenOnWhite(dst)
	out := orient(dst, s.orientation)
	var buf bytes.Buffer
	buf.Grow(w * h / 4)
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, 0, &Error{Path: s.path, Message: "cannot encode the scaled image as JPEG", Permanent: true, Err: err}
	}
	return buf.Bytes(), max(w, h), nil
}

// halve averages each 2x2 block of img (bilinear sampling at exactly half size hits the
// middle of each block), dropping an odd last row or column.
func halve(img image.Image) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
	sr := image.Rect(b.Min.X, b.Min.Y, b.Min.X+2*dst.Rect.Dx(), b.Min.Y+2*dst.Rect.Dy())
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, sr, draw.Src, nil)
	return dst
}

// flattenOnWhite composites premultiplied img over an opaque white background, in place,
// because JPEG has no alpha (transparent pixels would otherwise turn black).
func flattenOnWhite(img *image.RGBA) {
	p := img.Pix
	for i := 0; i+3 < len(p); i += 4 {
		a := p[i+3]
		if a == 0xFF {
			continue
		}
		add := 0xFF - int(a)
		p[i] = uint8(min(int(p[i])+add, 0xFF))
		p[i+1] = uint8(min(int(p[i+1])+add, 0xFF))
		p[i+2] = uint8(min(int(p[i+2])+add, 0xFF))
		p[i+3] = 0xFF
	}
}

// longEdge is the long edge of the decoded image.
func (s *sourceImage) longEdge() int {
	b := s.img.Bounds()
	return max(b.Dx(), b.Dy())
}
