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

// toRaster converts a decoded image to a raster, transparent pixels over white.
func toRaster(img image.Image) *raster {
	b := img.Bounds()
	s := newBoxSink(pixRect{0, 0, b.Dx(), b.Dy()}, 1)
	emitRows(img, s)
	return s.out
}

// emitRows feeds the rows of a decoded image to sink as 8-bit RGB, transparent pixels
// composited over white, with fast paths for the types the JPEG, PNG, GIF and WebP
// decoders return.
func emitRows(img image.Image, sink rowSink) {
	b := img.Bounds()
	w := b.Dx()
	rgb := make([]byte, 3*w)
	var lut [256][3]byte
	if m, ok := img.(*image.Paletted); ok {
		for i, c := range m.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			a := uint32(n.A)
			lut[i] = [3]byte{composite(uint32(n.R), a), composite(uint32(n.G), a), composite(uint32(n.B), a)}
		}
	}
	for y := 0; y < b.Dy(); y++ {
		sy := b.Min.Y + y
		switch m := img.(type) {
		case *image.YCbCr:
			ycbcrRow(m, sy, rgb)
		case *image.NYCbCrA:
			ycbcrRow(&m.YCbCr, sy, rgb)
			alpha := m.A[m.AOffset(b.Min.X, sy):][:w]
			for x, a := range alpha {
				for c := range 3 {
					rgb[3*x+c] = composite(uint32(rgb[3*x+c]), uint32(a))
				}
			}
		case *image.NRGBA:
			src := m.Pix[m.PixOffset(b.Min.X, sy):][:4*w]
			for x := range w {
				a := uint32(src[4*x+3])
				for c := range 3 {
					rgb[3*x+c] = composite(uint32(src[4*x+c]), a)
				}
			}
		case *image.RGBA: // premultiplied: over white adds the uncovered part
			src := m.Pix[m.PixOffset(b.Min.X, sy):][:4*w]
			for x := range w {
				add := 255 - uint32(src[4*x+3])
				for c := range 3 {
					rgb[3*x+c] = byte(min(255, uint32(src[4*x+c])+add))
				}
			}
		case *image.Gray:
			for x, v := range m.Pix[m.PixOffset(b.Min.X, sy):][:w] {
				rgb[3*x], rgb[3*x+1], rgb[3*x+2] = v, v, v
			}
		case *image.Paletted:
			for x, v := range m.Pix[m.PixOffset(b.Min.X, sy):][:w] {
				c := lut[v]
				rgb[3*x], rgb[3*x+1], rgb[3*x+2] = c[0], c[1], c[2]
			}
		default:
			for x := range w {
				c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, sy)).(color.NRGBA64)
				a := uint32(c.A >> 8)
				rgb[3*x] = composite(uint32(c.R>>8), a)
				rgb[3*x+1] = composite(uint32(c.G>>8), a)
				rgb[3*x+2] = composite(uint32(c.B>>8), a)
			}
		}
		sink.row(y, rgb)
	}
}

// ycbcrRow converts row y of JPEG's and WebP's native layout with the same fixed-point
// arithmetic as color.YCbCrToRGB, without a call per pixel; with horizontally halved chroma
// (4:2:0 and 4:2:2, what nearly every JPEG uses) each chroma sample's terms serve two pixels.
func ycbcrRow(m *image.YCbCr, y int, dst []byte) {
	b := m.Bounds()
	w := b.Dx()
	sh := 0 // log2 of the horizontal chroma subsampling
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
		sh = 1
	case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		sh = 2
	}
	x0 := b.Min.X
	yrow := m.Y[m.YOffset(x0, y):][:w]
	c0 := m.COffset(x0, y) - x0>>sh
	x := 0
	if sh == 1 && x0%2 == 0 {
		cw := w / 2
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
	for ; x < w; x++ {
		ci := c0 + (x0+x)>>sh
		yy := int32(yrow[x]) * 0x10101
		cb := int32(m.Cb[ci]) - 128
		cr := int32(m.Cr[ci]) - 128
		dst[3*x] = clamp8(yy + 91881*cr)
		dst[3*x+1] = clamp8(yy - 22554*cb - 46802*cr)
		dst[3*x+2] = clamp8(yy + 116130*cb)
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
