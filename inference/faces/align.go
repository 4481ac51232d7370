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

// maxSuper caps the samples per axis used to anti-alias strongly shrunk faces.
const maxSuper = 4

// warp renders the size x size crop that s maps img onto, sampling the inverse map
// bilinearly; when s shrinks the face more than 2x it averages k x k samples per output
// pixel so the crop does not alias. Outside the image reads as black, like cv2.warpAffine.
func warp(img *raster, s similarity, size int) *raster {
	out := newRaster(size, size)
	scale := math.Hypot(s.a, s.b)
	k := 1
	if scale > 0 && scale < 0.5 {
		k = min(int(math.Ceil(1/scale)), maxSuper)
	}
	// Inverse: src = M^-1 (dst - t), M^-1 = [[a, b], [-b, a]] / (a^2+b^2).
	d := s.a*s.a + s.b*s.b
	ia, ib := s.a/d, s.b/d
	inv := 1 / float32(k*k)
	for v := 0; v < size; v++ {
		for u := 0; u < size; u++ {
			var acc [3]float32
			for j := 0; j < k; j++ {
				for i := 0; i < k; i++ {
					du := float64(u) + (float64(i)+0.5)/float64(k) - 0.5 - s.tx
					dv := float64(v) + (float64(j)+0.5)/float64(k) - 0.5 - s.ty
					bilinear(img, ia*du+ib*dv, -ib*du+ia*dv, &acc)
				}
			}
			o := 3 * (v*size + u)
			for c := 0; c < 3; c++ {
				out.pix[o+c] = byte(min(acc[c]*inv+0.5, 255))
			}
		}
	}
	return out
}

// bilinear adds the colour at (x, y) to acc; pixels outside img count as black.
func bilinear(img *raster, x, y float64, acc *[3]float32) {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := float32(x-x0), float32(y-y0)
	ix, iy := int(x0), int(y0)
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
