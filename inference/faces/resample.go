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
	stride := 3 * src.w
	for y := 0; y < dh; y++ {
		ya := clampInt(int(math.Round(r.y0+float64(y)*sy)), 0, src.h-1)
		yb := clampInt(int(math.Round(r.y0+float64(y+1)*sy)), ya+1, src.h)
		for x := 0; x < dw; x++ {
			xa := clampInt(int(math.Round(r.x0+float64(x)*sx)), 0, src.w-1)
			xb := clampInt(int(math.Round(r.x0+float64(x+1)*sx)), xa+1, src.w)
			var sr, sg, sb uint32
			for yy := ya; yy < yb; yy++ {
				row := src.pix[yy*stride+3*xa : yy*stride+3*xb]
				for i := 0; i < len(row); i += 3 {
					sr += uint32(row[i])
					sg += uint32(row[i+1])
					sb += uint32(row[i+2])
				}
			}
			n := float32((yb - ya) * (xb - xa))
			o := 3 * (y*dw + x)
			dst[o], dst[o+1], dst[o+2] = float32(sr)/n, float32(sg)/n, float32(sb)/n
		}
	}
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
