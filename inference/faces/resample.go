package faces

import "math"

// rect is a region of a raster in pixel coordinates (x0,y0 inclusive, x1,y1 exclusive,
// fractional allowed).
type rect struct{ x0, y0, x1, y1 float64 }

// resample scales the region r of src to dw x dh pixels into dst (interleaved RGB floats
// 0-255, length 3*dw*dh). It samples bilinearly (pixel centres as cv2.resize does) when
// shrinking by less than 2x and averages whole source boxes (like cv2's INTER_AREA) when
// shrinking more, so small detector and landmark inputs do not alias. Pixels outside src
// read as the nearest edge pixel.
func resample(src *raster, r rect, dw, dh int, dst []float32) {
	sx := (r.x1 - r.x0) / float64(dw)
	sy := (r.y1 - r.y0) / float64(dh)
	if sx >= 2 && sy >= 2 {
		boxResample(src, r, dw, dh, sx, sy, dst)
		return
	}
	// Per-column source indices and weights, computed once.
	xs := make([]int32, 2*dw)
	xw := make([]float32, dw)
	for x := 0; x < dw; x++ {
		fx := r.x0 + (float64(x)+0.5)*sx - 0.5
		x0 := math.Floor(fx)
		xw[x] = float32(fx - x0)
		xs[2*x] = int32(clampInt(int(x0), 0, src.w-1))
		xs[2*x+1] = int32(clampInt(int(x0)+1, 0, src.w-1))
	}
	stride := 3 * src.w
	for y := 0; y < dh; y++ {
		fy := r.y0 + (float64(y)+0.5)*sy - 0.5
		y0 := math.Floor(fy)
		wy := float32(fy - y0)
		row0 := src.pix[clampInt(int(y0), 0, src.h-1)*stride:][:stride]
		row1 := src.pix[clampInt(int(y0)+1, 0, src.h-1)*stride:][:stride]
		out := dst[3*dw*y:][:3*dw]
		for x := 0; x < dw; x++ {
			a, b := 3*int(xs[2*x]), 3*int(xs[2*x+1])
			wx := xw[x]
			for c := 0; c < 3; c++ {
				top := float32(row0[a+c]) + wx*(float32(row0[b+c])-float32(row0[a+c]))
				bot := float32(row1[a+c]) + wx*(float32(row1[b+c])-float32(row1[a+c]))
				out[3*x+c] = top + wy*(bot-top)
			}
		}
	}
}

func boxResample(src *raster, r rect, dw, dh int, sx, sy float64, dst []float32) {
	x0, x1 := boxEdges(r.x0, sx, dw, src.w)
	y0, y1 := boxEdges(r.y0, sy, dh, src.h)
	stride := 3 * src.w
	acc := make([]uint32, 3*dw)
	for y := 0; y < dh; y++ {
		clear(acc)
		for yy := y0[y]; yy < y1[y]; yy++ {
			row := src.pix[yy*stride:][:stride]
			for x := 0; x < dw; x++ {
				var sr, sg, sb uint32
				seg := row[3*x0[x] : 3*x1[x]]
				for i := 0; i+2 < len(seg); i += 3 {
					sr += uint32(seg[i])
					sg += uint32(seg[i+1])
					sb += uint32(seg[i+2])
				}
				a := acc[3*x:][:3]
				a[0] += sr
				a[1] += sg
				a[2] += sb
			}
		}
		out := dst[3*dw*y:][:3*dw]
		rows := y1[y] - y0[y]
		for x := 0; x < dw; x++ {
			inv := 1 / float32(rows*(x1[x]-x0[x]))
			out[3*x] = float32(acc[3*x]) * inv
			out[3*x+1] = float32(acc[3*x+1]) * inv
			out[3*x+2] = float32(acc[3*x+2]) * inv
		}
	}
}

// boxEdges splits [lo, lo+n*step) into n runs [start, end) of whole source pixels inside
// [0, limit), each at least one pixel long.
func boxEdges(lo, step float64, n, limit int) (start, end []int) {
	start, end = make([]int, n), make([]int, n)
	for i := range n {
		a := clampInt(int(math.Round(lo+float64(i)*step)), 0, limit-1)
		b := clampInt(int(math.Round(lo+float64(i+1)*step)), a+1, limit)
		start[i], end[i] = a, b
	}
	return start, end
}

// shrink averages f x f blocks of the region of src starting at (x0, y0), w x h blocks.
func shrink(src *raster, x0, y0, w, h, f int) *raster {
	out := newRaster(w, h)
	acc := make([]uint32, 3*w)
	stride := 3 * src.w
	n := uint32(f * f)
	for y := 0; y < h; y++ {
		clear(acc)
		for yy := y0 + y*f; yy < y0+(y+1)*f; yy++ {
			row := src.pix[yy*stride+3*x0:][:3*w*f]
			for x := 0; x < w; x++ {
				a := acc[3*x:][:3]
				seg := row[3*x*f:][:3*f]
				for i := 0; i < len(seg); i += 3 {
					a[0] += uint32(seg[i])
					a[1] += uint32(seg[i+1])
					a[2] += uint32(seg[i+2])
				}
			}
		}
		o := out.pix[3*w*y:][:3*w]
		for i, v := range acc {
			o[i] = byte((v + n/2) / n)
		}
	}
	return out
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
