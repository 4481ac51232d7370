package faces

import (
	"fmt"
	"math"
	"slices"

	"github.com/mediafleet/mediafleet/inference/ort"
)

// Point is a position in the pixels of the upright image.
type Point struct {
	X float32 `json:"x"`
	Y float32 `json:"y"`
}

// landmarker runs the 68-point landmark model (fr_landmark.onnx: input [1,1,64,64], gray
// v/256 of a square crop centred on the face box with the box's height as its side;
// output [1,136]: x,y pairs relative to that crop, 0..1). It runs the model on the crop and
// on its mirror image and averages the two (the mirrored points renumbered left for right):
// the model alone leans to one side on turned faces, so that a face and its mirror image
// were aligned differently enough to move their embeddings apart (cosine 0.55 instead of
// 0.67 for the man in Megamind's third keyframe; 0.92 instead of 0.97 for Roxanne).
type landmarker struct {
	sess *ort.Session
	size int
	bufs *pool[*lmBufs]
}

type lmBufs struct {
	in, out, outMirror *ort.Tensor
	rgb                []float32
}

func (b *lmBufs) close() { b.in.Close(); b.out.Close(); b.outMirror.Close() }

func newLandmarker(rt *ort.Runtime, path string, cfg Config) (*landmarker, error) {
	sess, err := rt.NewSession(path, ort.SessionConfig{
		IntraOpThreads: cfg.IntraOpThreads, CUDADevice: cfg.CUDADevice, RequireGPU: cfg.RequireGPU,
		Inputs: []string{"input"}, Outputs: []string{"output"},
	})
	if err != nil {
		return nil, fmt.Errorf("face landmarks: %w", err)
	}
	in, out := sess.Inputs()[0].Shape, sess.Outputs()[0].Shape
	if len(in) != 4 || in[1] != 1 || in[2] <= 0 || in[2] != in[3] || len(out) != 2 || out[1] != 136 {
		sess.Close()
		return nil, fmt.Errorf("face landmarks %s: want input [1,1,S,S] and output [1,136]; model has %v, %v", path, in, out)
	}
	l := &landmarker{sess: sess, size: int(in[2])}
	l.bufs = newPool(cfg.poolSize(), func() (*lmBufs, error) {
		in, err := ort.NewTensor(1, 1, int64(l.size), int64(l.size))
		if err != nil {
			return nil, err
		}
		b := &lmBufs{in: in, rgb: make([]float32, 3*l.size*l.size)}
		if b.out, err = ort.NewTensor(1, 136); err == nil {
			b.outMirror, err = ort.NewTensor(1, 136)
		}
		if err != nil {
			b.close()
			return nil, err
		}
		return b, nil
	}, (*lmBufs).close)
	return l, nil
}

// cropFor is the square crop the landmark model expects for a face box: centred on the box,
// as tall as the box, moved (not shrunk) to stay inside the image where it fits.
func cropFor(b Box, w, h int) rect {
	side := float64(b.H())
	cx, cy := float64(b.X1+b.X2)/2, float64(b.Y1+b.Y2)/2
	x0, y0 := cx-side/2, cy-side/2
	x0 = shiftInside(x0, side, float64(w))
	y0 = shiftInside(y0, side, float64(h))
	return rect{x0, y0, x0 + side, y0 + side}
}

func shiftInside(lo, side, limit float64) float64 {
	if side >= limit {
		return lo
	}
	if lo < 0 {
		return 0
	}
	if lo+side > limit {
		return limit - side
	}
	return lo
}

// landmarks returns the 68 points of the face in box, in image pixels, and how far apart
// the model's points on the crop and on its mirror image are (mean distance over the
// crop's side): small for a human face, larger where the model has no face to follow.
func (l *landmarker) landmarks(img *raster, box Box) ([68]Point, float32, error) {
	var pts [68]Point
	b, err := l.bufs.get()
	if err != nil {
		return pts, 0, err
	}
	defer l.bufs.put(b)
	r := cropFor(box, img.w, img.h)
	n := l.size * l.size
	resample(img, r, l.size, l.size, b.rgb)
	in := b.in.Data()
	for i := 0; i < n; i++ {
		in[i] = (0.299*b.rgb[3*i] + 0.587*b.rgb[3*i+1] + 0.114*b.rgb[3*i+2]) / 256
	}
	if err := l.sess.Run([]*ort.Tensor{b.in}, []*ort.Tensor{b.out}); err != nil {
		return pts, 0, fmt.Errorf("face landmarks: %w", err)
	}
	for y := 0; y < l.size; y++ {
		slices.Reverse(in[y*l.size:][:l.size])
	}
	if err := l.sess.Run([]*ort.Tensor{b.in}, []*ort.Tensor{b.outMirror}); err != nil {
		return pts, 0, fmt.Errorf("face landmarks: %w", err)
	}
	out, mir := b.out.Data(), b.outMirror.Data()
	side := float32(r.x1 - r.x0)
	var gap float64
	for i := range pts {
		j := mirror68[i]
		x := (out[2*i] + 1 - mir[2*j]) / 2
		y := (out[2*i+1] + mir[2*j+1]) / 2
		pts[i] = Point{X: float32(r.x0) + x*side, Y: float32(r.y0) + y*side}
		gap += math.Hypot(float64(out[2*i]-(1-mir[2*j])), float64(out[2*i+1]-mir[2*j+1]))
	}
	return pts, float32(gap / 68), nil
}

// refinedBox is the face box that the 68 points imply, framed as the detector frames
// faces (as wide as the points, 1.2 times as tall, reaching above the brows): running the
// landmarks again on it makes them depend on the face, not on where the detector's box
// happened to fall (its edges move by several pixels between two encodings of a frame).
func refinedBox(pts [68]Point) Box {
	x0, y0, x1, y1 := pts[0].X, pts[0].Y, pts[0].X, pts[0].Y
	for _, q := range pts[1:] {
		x0, y0, x1, y1 = min(x0, q.X), min(y0, q.Y), max(x1, q.X), max(y1, q.Y)
	}
	w := x1 - x0
	h := 1.2 * w
	cx, cy := (x0+x1)/2, (y0+y1)/2-0.11*h
	return Box{X1: cx - w/2, Y1: cy - h/2, X2: cx + w/2, Y2: cy + h/2}
}

// mirror68 maps each of the 68 iBUG points to its counterpart in the mirror image: the
// jaw, brows, eyes, nostrils and lips swap sides; the nose bridge and the lips' middle
// points stay.
var mirror68 = func() [68]int {
	var m [68]int
	for i := range m {
		m[i] = i
	}
	pairs := [][2]int{
		{0, 16}, {1, 15}, {2, 14}, {3, 13}, {4, 12}, {5, 11}, {6, 10}, {7, 9}, // jaw
		{17, 26}, {18, 25}, {19, 24}, {20, 23}, {21, 22}, // brows
		{31, 35}, {32, 34}, // nostrils
		{36, 45}, {37, 44}, {38, 43}, {39, 42}, {40, 47}, {41, 46}, // eyes
		{48, 54}, {49, 53}, {50, 52}, {55, 59}, {56, 58}, // outer lips
		{60, 64}, {61, 63}, {65, 67}, // inner lips
	}
	for _, p := range pairs {
		m[p[0]], m[p[1]] = p[1], p[0]
	}
	return m
}()

// fivePoints reduces the 68 iBUG points to the five that alignment uses, in the order of
// the ArcFace template: the eye centres (mean of each eye's four lid points), the nose tip,
// and the mouth corners (mean of the outer and inner lip corner).
func fivePoints(p [68]Point) [5]Point {
	mean := func(idx ...int) Point {
		var s Point
		for _, i := range idx {
			s.X += p[i].X
			s.Y += p[i].Y
		}
		return Point{s.X / float32(len(idx)), s.Y / float32(len(idx))}
	}
	return [5]Point{
		mean(37, 38, 40, 41), // eye on the image's left
		mean(43, 44, 46, 47), // eye on the image's right
		p[30],                // nose tip
		mean(48, 60),         // mouth corner on the image's left
		mean(54, 64),         // mouth corner on the image's right
	}
}

func (l *landmarker) close() {
	l.bufs.drain()
	l.sess.Close()
}
