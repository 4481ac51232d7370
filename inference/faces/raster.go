package faces

import (
	"image"
	"image/color"
)

// raster is an 8-bit RGB image, three bytes per pixel, rows packed without padding. Every
// stage after decoding reads pixels from it directly instead of through image.Image.At.
type raster struct {
	w, h int
	pix  []byte
}

func newRaster(w, h int) *raster { return &raster{w: w, h: h, pix: make([]byte, 3*w*h)} }

// toRaster converts a decoded image to a raster, with fast paths for the types the JPEG,
// PNG, GIF and WebP decoders return.
func toRaster(img image.Image) *raster {
	b := img.Bounds()
	r := newRaster(b.Dx(), b.Dy())
	switch m := img.(type) {
	case *image.YCbCr:
		fromYCbCr(r, m)
	case *image.NRGBA:
		from4(r, m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y))
	case *image.RGBA:
		from4(r, m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y))
	case *image.Gray:
		for y := 0; y < r.h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:r.w]
			dst := r.pix[3*r.w*y:][:3*r.w]
			for x, v := range src {
				dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
			}
		}
	case *image.Paletted:
		var lut [256][3]byte
		for i, c := range m.Palette {
			rgba := color.RGBAModel.Convert(c).(color.RGBA)
			lut[i] = [3]byte{rgba.R, rgba.G, rgba.B}
		}
		for y := 0; y < r.h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:r.w]
			dst := r.pix[3*r.w*y:][:3*r.w]
			for x, v := range src {
				c := lut[v]
				dst[3*x], dst[3*x+1], dst[3*x+2] = c[0], c[1], c[2]
			}
		}
	default:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				r.pix[i], r.pix[i+1], r.pix[i+2] = c.R, c.G, c.B
				i += 3
			}
		}
	}
	return r
}

func from4(r *raster, pix []byte, stride, off int) {
	for y := 0; y < r.h; y++ {
		src := pix[off+y*stride:][:4*r.w]
		dst := r.pix[3*r.w*y:][:3*r.w]
		for x := 0; x < r.w; x++ {
			dst[3*x], dst[3*x+1], dst[3*x+2] = src[4*x], src[4*x+1], src[4*x+2]
		}
	}
}

// fromYCbCr converts JPEG's and WebP's native layout with the same fixed-point arithmetic
// as color.YCbCrToRGB, without a call per pixel; with horizontally halved chroma (4:2:0 and
// 4:2:2, what nearly every JPEG uses) each chroma sample's terms serve two pixels.
func fromYCbCr(r *raster, m *image.YCbCr) {
	b := m.Bounds()
	sh := 0 // log2 of the horizontal chroma subsampling
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
		sh = 1
	case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		sh = 2
	}
	x0 := b.Min.X
	for y := 0; y < r.h; y++ {
		yrow := m.Y[m.YOffset(x0, b.Min.Y+y):][:r.w]
		c0 := m.COffset(x0, b.Min.Y+y) - x0>>sh
		dst := r.pix[3*r.w*y:][:3*r.w]
		x := 0
		if sh == 1 && x0%2 == 0 {
			cw := r.w / 2
			cb, cr := m.Cb[c0+x0>>1:][:cw], m.Cr[c0+x0>>1:][:cw]
			for i := range cw {
				cbv, crv := int32(cb[i])-128, int32(cr[i])-128
				ro, gou, bo := 91881*crv, -22554*cbv-46802*crv, 116130*cbv
				y0, y1 := int32(yrow[2*i])*0x10101, int32(yrow[2*i+1])*0x10101
				d := dst[6*i:][:6]
				d[0], d[1], d[2] = clamp8(y0+ro), clamp8(y0+gou), clamp8(y0+bo)
				d[3], d[4], d[5] = clamp8(y1+ro), clamp8(y1+gou), clamp8(y1+bo)
			}
			x = 2 * cw
		}
		for ; x < r.w; x++ {
			ci := c0 + (x0+x)>>sh
			yy := int32(yrow[x]) * 0x10101
			cb := int32(m.Cb[ci]) - 128
			cr := int32(m.Cr[ci]) - 128
			dst[3*x] = clamp8(yy + 91881*cr)
			dst[3*x+1] = clamp8(yy - 22554*cb - 46802*cr)
			dst[3*x+2] = clamp8(yy + 116130*cb)
		}
	}
}

func clamp8(v int32) byte {
	if uint32(v)&0xff000000 == 0 {
		return byte(v >> 16)
	}
	if v < 0 {
		return 0
	}
	return 255
}
