package faces

import "github.com/mediafleet/mediafleet/inference/exif"

// orient returns src turned upright for an EXIF orientation (1 returns src itself).
func orient(src *raster, o int) *raster {
	if o < 2 || o > 8 {
		return src
	}
	w, h := src.w, src.h
	dw, dh := exif.Upright(o, w, h)
	dst := newRaster(dw, dh)
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			sx, sy := exif.Source(o, w, h, x, y)
			s, d := 3*(sy*w+sx), 3*(y*dw+x)
			dst.pix[d], dst.pix[d+1], dst.pix[d+2] = src.pix[s], src.pix[s+1], src.pix[s+2]
		}
	}
	return dst
}
