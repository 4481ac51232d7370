package faces

import (
	"errors"
	"io"
	"math"
	"strings"

	"github.com/mediafleet/mediafleet/inference/exif"
)

// patch is part or all of the upright image at some scale: raster pixel (0,0) sits at
// (ox, oy) of the full-resolution upright image, and a full-resolution pixel is sx x sy
// raster pixels.
type patch struct {
	img    *raster
	ox, oy float64
	sx, sy float64
}

// toPatch maps a box in full-resolution pixels to the patch's pixels.
func (p *patch) toPatch(b Box) Box {
	return Box{X1: float32((float64(b.X1) - p.ox) * p.sx), Y1: float32((float64(b.Y1) - p.oy) * p.sy),
		X2: float32((float64(b.X2) - p.ox) * p.sx), Y2: float32((float64(b.Y2) - p.oy) * p.sy)}
}

// toFull maps a point in the patch's pixels to full-resolution pixels.
func (p *patch) toFull(q Point) Point {
	return Point{X: float32(float64(q.X)/p.sx + p.ox), Y: float32(float64(q.Y)/p.sy + p.oy)}
}

// scale is the patch's resolution relative to the full image (the smaller axis).
func (p *patch) scale() float64 { return min(p.sx, p.sy) }

// wholePatch is a raster of the whole upright image of fw x fh full-resolution pixels.
func wholePatch(img *raster, fw, fh int) *patch {
	return &patch{img: img, sx: float64(img.w) / float64(fw), sy: float64(img.h) / float64(fh)}
}

// regionReq asks for the region r of the upright full-resolution image at a scale of at
// least scale (1 at most).
type regionReq struct {
	r     pixRect
	scale float64
}

// shrinkFactor is the integer box factor that keeps at least want of the resolution.
func shrinkFactor(want float64) int {
	if want >= 1 || want <= 0 {
		return 1
	}
	return max(1, int(math.Floor(1/want+1e-9)))
}

// storedRect maps a rectangle of the upright image to the stored one (w x h as stored).
func storedRect(o, w, h int, r pixRect) pixRect {
	ax, ay := exif.Source(o, w, h, r.x0, r.y0)
	bx, by := exif.Source(o, w, h, r.x1-1, r.y1-1)
	return pixRect{min(ax, bx), min(ay, by), max(ax, bx) + 1, max(ay, by) + 1}
}

// uprightRect maps a rectangle of the stored image (w x h) to the upright one: the inverse
// of orientation o is o itself but for the quarter turns 6 and 8, which undo each other.
func uprightRect(o, w, h int, r pixRect) pixRect {
	inv := o
	switch o {
	case 6:
		inv = 8
	case 8:
		inv = 6
	}
	uw, uh := exif.Upright(o, w, h)
	return storedRect(inv, uw, uh, r)
}

// jpegTruncated tells a JPEG cut short (libjpeg only warns, and fills the rest with grey)
// from harmless warnings such as extraneous bytes between markers.
func jpegTruncated(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "Premature end") || errors.Is(err, io.ErrUnexpectedEOF))
}
