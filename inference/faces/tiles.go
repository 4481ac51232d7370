package faces

import "math"

// detMinFace is the smallest face side, in the detector's input pixels, that it finds
// reliably: the pyramid's finest level shows a face of Config.MinFacePx at this size.
const detMinFace = 20

// levelRatio is the scale step between pyramid levels: faces too big for the tiles of one
// level (larger than the overlap between its tiles) are found at the next, levelRatio times
// coarser, where they are at least detMinFace again.
const levelRatio = 3

// tileOverlap is how far neighbouring tiles overlap, in the detector's input pixels: every
// face a level is there for lies whole inside at least one of its tiles.
const tileOverlap = levelRatio*detMinFace + 8

// tile is one detector run: a region of the image in full-resolution pixels.
type tile struct {
	r     rect
	inner bool // boxes touching an edge of r inside the image are left to a neighbour
}

// tiles plans the detector runs over an fw x fh image so that faces of minFace pixels and
// larger are found: overlapping tiles at full detector resolution on an image pyramid whose
// finest level shows a face of minFace pixels at detMinFace, each level levelRatio times
// coarser than the one before, and last the whole image in one run (as a single pass
// always did). minFace 0 plans that single pass alone.
func (d *detector) tiles(fw, fh, minFace int) []tile {
	whole := tile{r: rect{0, 0, float64(fw), float64(fh)}}
	if minFace <= 0 {
		return []tile{whole}
	}
	tw, th := float64(d.w), float64(d.h)
	var out []tile
	for t := float64(detMinFace) / float64(minFace); float64(fw)*t > tw*1.05 || float64(fh)*t > th*1.05; t /= levelRatio {
		sw, sh := tw/t, th/t
		for _, y := range positions(float64(fh), sh, (th-tileOverlap)/t) {
			for _, x := range positions(float64(fw), sw, (tw-tileOverlap)/t) {
				out = append(out, tile{r: rect{x, y, x + sw, y + sh}, inner: true})
			}
		}
	}
	return append(out, whole)
}

// positions spreads tiles of size along total, at most step apart, the first at 0 and the
// last at the far edge.
func positions(total, size, step float64) []float64 {
	if size >= total {
		return []float64{0}
	}
	n := int(math.Ceil((total-size)/step)) + 1
	out := make([]float64, n)
	for i := range out {
		out[i] = (total - size) * float64(i) / float64(n-1)
	}
	return out
}

// detectAll runs the planned tiles over the image v shows and merges their candidates
// with one non-maximum suppression.
func (d *detector) detectAll(v *patch, fw, fh int, tiles []tile) ([]detection, error) {
	var cands []detection
	var err error
	for _, t := range tiles {
		if cands, err = d.runTile(v, t.r, fw, fh, t.inner, cands); err != nil {
			return nil, err
		}
	}
	return nms(cands, d.nmsIoU), nil
}
