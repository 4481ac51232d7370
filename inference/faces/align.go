package faces

import "math"

// arcFaceTemplate is the standard five-point reference of ArcFace-style 112x112 crops:
// eye centres, nose tip, mouth corners.
var arcFaceTemplate = [5]Point{
	{38.2946, 51.6963}, {73.5318, 51.5014}, {56.0252, 71.7366}, {41.5493, 92.3655}, {70.7299, 92.2041},
}

// similarity maps p to (a*x - b*y + tx, b*x + a*y + ty): a rotation, a uniform scale and a
// shift, without reflection.
type similarity struct{ a, b, tx, ty float64 }

// umeyama returns the similarity that best maps src onto dst in the least-squares sense
// (Umeyama 1991, in its two-dimensional closed form).
func umeyama(src, dst [5]Point) similarity {
	var msx, msy, mdx, mdy float64
	for i := range src {
		msx += float64(src[i].X)
		msy += float64(src[i].Y)
		mdx += float64(dst[i].X)
		mdy += float64(dst[i].Y)
	}
	n := float64(len(src))
	msx, msy, mdx, mdy = msx/n, msy/n, mdx/n, mdy/n
	var dot, cross, varS float64
	for i := range src {
		sx, sy := float64(src[i].X)-msx, float64(src[i].Y)-msy
		dx, dy := float64(dst[i].X)-mdx, float64(dst[i].Y)-mdy
		dot += sx*dx + sy*dy
		cross += sx*dy - sy*dx
		varS += sx*sx + sy*sy
	}
	if varS == 0 {
		return similarity{a: 1}
	}
	a, b := dot/varS, cross/varS
	return similarity{a: a, b: b, tx: mdx - (a*msx - b*msy), ty: mdy - (b*msx + a*msy)}
}

func (s similarity) apply(p Point) Point {
	x, y := float64(p.X), float64(p.Y)
	return Point{float32(s.a*x - s.b*y + s.tx), float32(s.b*x + s.a*y + s.ty)}
}

// warp renders the size x size crop that s maps img onto, sampling the inverse map
// bilinearly. When s shrinks the face more than 2x, the face's region is first averaged
// down by a whole factor (as a pyramid level) so the crop does not alias. Outside the
// image reads as black, like cv2.warpAffine.
func warp(img *raster, s similarity, size int) *raster {
	if scale := math.Hypot(s.a, s.b); scale > 0 && scale < 0.5 {
		if small, s2, ok := shrinkFor(img, s, size, int(1/scale)); ok {
			img, s = small, s2
		}
	}
	out := newRaster(size, size)
	// Inverse: src = M^-1 (dst - t), M^-1 = [[a, b], [-b, a]] / (a^2+b^2).
	d := s.a*s.a + s.b*s.b
	ia, ib := s.a/d, s.b/d
	for v := 0; v < size; v++ {
		for u := 0; u < size; u++ {
			var acc [3]float32
			du, dv := float64(u)-s.tx, float64(v)-s.ty
			bilinear(img, ia*du+ib*dv, -ib*du+ia*dv, &acc)
			o := 3 * (v*size + u)
			for c := 0; c < 3; c++ {
				out.pix[o+c] = byte(min(acc[c]+0.5, 255))
			}
		}
	}
	return out
}

// shrinkFor averages the part of img that the crop covers down by f and returns it with
// the similarity that maps it onto the crop.
func shrinkFor(img *raster, s similarity, size, f int) (*raster, similarity, bool) {
	d := s.a*s.a + s.b*s.b
	ia, ib := s.a/d, s.b/d
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [4][2]float64{{0, 0}, {float64(size), 0}, {0, float64(size)}, {float64(size), float64(size)}} {
		du, dv := c[0]-s.tx, c[1]-s.ty
		x, y := ia*du+ib*dv, -ib*du+ia*dv
		minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
	}
	x0 := clampInt(int(math.Floor(minX))-f, 0, img.w)
	y0 := clampInt(int(math.Floor(minY))-f, 0, img.h)
	x1 := clampInt(int(math.Ceil(maxX))+f, 0, img.w)
	y1 := clampInt(int(math.Ceil(maxY))+f, 0, img.h)
	w, h := (x1-x0)/f, (y1-y0)/f
	if w < 2 || h < 2 {
		return nil, s, false
	}
	// Small pixel i's centre is source pixel x0 + f*i + (f-1)/2.
	cx, cy := float64(x0)+float64(f-1)/2, float64(y0)+float64(f-1)/2
	s2 := similarity{a: s.a * float64(f), b: s.b * float64(f), tx: s.tx + s.a*cx - s.b*cy, ty: s.ty + s.b*cx + s.a*cy}
	return shrink(img, x0, y0, w, h, f), s2, true
}

// bilinear adds the colour at (x, y) to acc; pixels outside img count as black.
func bilinear(img *raster, x, y float64, acc *[3]float32) {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := float32(x-x0), float32(y-y0)
	ix, iy := int(x0), int(y0)
	if ix >= 0 && iy >= 0 && ix+1 < img.w && iy+1 < img.h {
		p := img.pix[3*(iy*img.w+ix):]
		q := img.pix[3*((iy+1)*img.w+ix):]
		p, q = p[:6], q[:6]
		for c := 0; c < 3; c++ {
			top := float32(p[c]) + fx*(float32(p[c+3])-float32(p[c]))
			bot := float32(q[c]) + fx*(float32(q[c+3])-float32(q[c]))
			acc[c] += top + fy*(bot-top)
		}
		return
	}
	w := [4]float32{(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy}
	for n, o := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
		px, py := ix+o[0], iy+o[1]
		if px < 0 || py < 0 || px >= img.w || py >= img.h || w[n] == 0 {
			continue
		}
		p := 3 * (py*img.w + px)
		acc[0] += w[n] * float32(img.pix[p])
		acc[1] += w[n] * float32(img.pix[p+1])
		acc[2] += w[n] * float32(img.pix[p+2])
	}
}
