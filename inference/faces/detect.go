package faces

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/mediafleet/mediafleet/inference/ort"
)

// Box is a face rectangle in the pixels of the upright image: (X1,Y1) top left,
// (X2,Y2) bottom right.
type Box struct {
	X1 float32 `json:"x1"`
	Y1 float32 `json:"y1"`
	X2 float32 `json:"x2"`
	Y2 float32 `json:"y2"`
}

// W is the box width.
func (b Box) W() float32 { return b.X2 - b.X1 }

// H is the box height.
func (b Box) H() float32 { return b.Y2 - b.Y1 }

func iou(a, b Box) float32 {
	iw := min(a.X2, b.X2) - max(a.X1, b.X1)
	ih := min(a.Y2, b.Y2) - max(a.Y1, b.Y1)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	return inter / (a.W()*a.H() + b.W()*b.H() - inter)
}

// inside is the share of the smaller of two boxes that the other covers.
func inside(a, b Box) float32 {
	iw := min(a.X2, b.X2) - max(a.X1, b.X1)
	ih := min(a.Y2, b.Y2) - max(a.Y1, b.Y1)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	return iw * ih / min(a.W()*a.H(), b.W()*b.H())
}

// detection is one face found by the detector.
type detection struct {
	box   Box
	score float32
}

// topK bounds the candidates that enter non-maximum suppression (from all tiles together).
const topK = 5000

// detector runs an UltraFace-style SSD (fr_detect.onnx: input [1,3,240,320] RGB scaled
// (x-127)/128; outputs scores [1,N,2] already soft-maxed and boxes [1,N,4] already decoded
// against the model's priors into corner form, relative to the input size).
type detector struct {
	sess      *ort.Session
	w, h      int // model input size
	n         int // candidate boxes
	bufs      *pool[*detBufs]
	threshold float32
	nmsIoU    float32
	minSize   float32
}

type detBufs struct {
	in, scores, boxes *ort.Tensor
	rgb               []float32
}

func newDetector(rt *ort.Runtime, path string, cfg Config) (*detector, error) {
	sess, err := rt.NewSession(path, ort.SessionConfig{
		IntraOpThreads: cfg.IntraOpThreads, CUDADevice: cfg.CUDADevice, RequireGPU: cfg.RequireGPU,
		Inputs: []string{"input"}, Outputs: []string{"scores", "boxes"},
	})
	if err != nil {
		return nil, fmt.Errorf("face detector: %w", err)
	}
	in, sc, bx := sess.Inputs()[0].Shape, sess.Outputs()[0].Shape, sess.Outputs()[1].Shape
	if len(in) != 4 || in[1] != 3 || in[2] <= 0 || in[3] <= 0 || len(sc) != 3 || sc[1] <= 0 || sc[2] != 2 || len(bx) != 3 || bx[1] != sc[1] || bx[2] != 4 {
		sess.Close()
		return nil, fmt.Errorf("face detector %s: want input [1,3,H,W] and outputs scores [1,N,2], boxes [1,N,4]; model has %v, %v, %v", path, in, sc, bx)
	}
	d := &detector{sess: sess, w: int(in[3]), h: int(in[2]), n: int(sc[1]),
		threshold: cfg.ScoreThreshold, nmsIoU: cfg.NMSIoU, minSize: float32(cfg.MinFaceSize)}
	d.bufs = newPool(cfg.poolSize(), d.newBufs, func(b *detBufs) { b.in.Close(); b.scores.Close(); b.boxes.Close() })
	return d, nil
}

func (d *detector) newBufs() (*detBufs, error) {
	var b detBufs
	var err error
	if b.in, err = ort.NewTensor(1, 3, int64(d.h), int64(d.w)); err != nil {
		return nil, err
	}
	if b.scores, err = ort.NewTensor(1, int64(d.n), 2); err != nil {
		b.in.Close()
		return nil, err
	}
	if b.boxes, err = ort.NewTensor(1, int64(d.n), 4); err != nil {
		b.in.Close()
		b.scores.Close()
		return nil, err
	}
	b.rgb = make([]float32, 3*d.w*d.h)
	return &b, nil
}

// runTile runs the detector on the region r (full-resolution pixels) of the image that v
// shows, scaled to the model's input (not letterboxed: the whole region fills the input, as
// the model was trained), and appends the candidates over the score threshold with their
// boxes in full-resolution pixels, clipped to the fw x fh image. With inner set, a box that
// touches an edge of r inside the image is left out: the tiles overlap so that a face cut
// by one tile's edge lies whole in another.
func (d *detector) runTile(v *patch, r rect, fw, fh int, inner bool, cands []detection) ([]detection, error) {
	b, err := d.bufs.get()
	if err != nil {
		return nil, err
	}
	defer d.bufs.put(b)
	pr := rect{(r.x0 - v.ox) * v.sx, (r.y0 - v.oy) * v.sy, (r.x1 - v.ox) * v.sx, (r.y1 - v.oy) * v.sy}
	resample(v.img, pr, d.w, d.h, b.rgb)
	planar(b.rgb, b.in.Data(), d.w*d.h, [3]int{0, 1, 2}, [3]float32{127, 127, 127}, [3]float32{128, 128, 128})
	if err := d.sess.Run([]*ort.Tensor{b.in}, []*ort.Tensor{b.scores, b.boxes}); err != nil {
		return nil, fmt.Errorf("face detector: %w", err)
	}
	scores, boxes := b.scores.Data(), b.boxes.Data()
	rw, rh := float32(r.x1-r.x0), float32(r.y1-r.y0)
	x0, y0 := float32(r.x0), float32(r.y0)
	W, H := float32(fw), float32(fh)
	const edge = 0.01 // of the tile: a box this close to a tile edge touches it
	for i := 0; i < d.n; i++ {
		s := scores[2*i+1]
		if s < d.threshold {
			continue
		}
		bx := boxes[4*i:][:4]
		if inner && ((bx[0] < edge && r.x0 > 0) || (bx[1] < edge && r.y0 > 0) ||
			(bx[2] > 1-edge && r.x1 < float64(fw)) || (bx[3] > 1-edge && r.y1 < float64(fh))) {
			continue
		}
		box := Box{
			X1: clampF(x0+bx[0]*rw, 0, W), Y1: clampF(y0+bx[1]*rh, 0, H),
			X2: clampF(x0+bx[2]*rw, 0, W), Y2: clampF(y0+bx[3]*rh, 0, H),
		}
		if box.W() < d.minSize || box.H() < d.minSize {
			continue
		}
		cands = append(cands, detection{box: box, score: s})
	}
	return cands, nil
}

// nms keeps the best-scoring box of every group overlapping by more than maxIoU, and drops
// a weaker box lying mostly inside a kept one or around it (the pyramid's levels see a face
// at several sizes: a fine level may take part of a large face for a face).
func nms(cands []detection, maxIoU float32) []detection {
	slices.SortStableFunc(cands, func(a, b detection) int { return cmp.Compare(b.score, a.score) })
	if len(cands) > topK {
		cands = cands[:topK]
	}
	var keep []detection
next:
	for _, c := range cands {
		for _, k := range keep {
			if iou(c.box, k.box) > maxIoU || inside(c.box, k.box) > 0.8 {
				continue next
			}
		}
		keep = append(keep, c)
	}
	return keep
}

// planar writes interleaved 0-255 RGB into a CHW tensor: channel k takes source channel
// order[k], scaled (v-mean[k])/std[k].
func planar(rgb, dst []float32, n int, order [3]int, mean, std [3]float32) {
	for k := 0; k < 3; k++ {
		out := dst[k*n:][:n]
		c, m, inv := order[k], mean[k], 1/std[k]
		for i := range out {
			out[i] = (rgb[3*i+c] - m) * inv
		}
	}
}

func clampF(v, lo, hi float32) float32 { return min(max(v, lo), hi) }

func (d *detector) close() {
	d.bufs.drain()
	d.sess.Close()
}
