package faces

import (
	"context"
	"fmt"
	"math"

	"github.com/mediafleet/mediafleet/inference/ort"
)

// embedder turns aligned crops into L2-normalised embeddings. A model with a fixed batch
// of 1 runs once per face on the caller's goroutine (concurrent callers run concurrently);
// a model with a dynamic batch runs through a batcher that groups faces from all callers.
type embedder struct {
	cfg     EmbedderConfig
	sess    *ort.Session
	order   [3]int // source RGB channel for each model channel
	dynamic bool
	bufs    *pool[*embBufs] // fixed batch: one input and output tensor per call
	batch   *batcher        // dynamic batch
	tensors map[int]*embBufs
	onBatch func(size int)
}

type embBufs struct{ in, out *ort.Tensor }

func (b *embBufs) close() { b.in.Close(); b.out.Close() }

func newEmbedder(rt *ort.Runtime, cfg Config) (*embedder, error) {
	ec := cfg.Embedder
	sess, err := rt.NewSession(ec.Model, ort.SessionConfig{
		IntraOpThreads: cfg.IntraOpThreads, CUDADevice: cfg.CUDADevice, RequireGPU: cfg.RequireGPU,
		Inputs: []string{ec.InputName}, Outputs: []string{ec.OutputName},
	})
	if err != nil {
		return nil, fmt.Errorf("face embedder: %w", err)
	}
	in, out := sess.Inputs()[0].Shape, sess.Outputs()[0].Shape
	s, d := int64(ec.InputSize), int64(ec.Dim)
	if len(in) != 4 || in[1] != 3 || !dimIs(in[2], s) || !dimIs(in[3], s) || len(out) != 2 || !dimIs(out[1], d) || (in[0] >= 0 && in[0] != 1) {
		sess.Close()
		return nil, fmt.Errorf("face embedder %s: want input %q [N,3,%d,%d] and output %q [N,%d] with N 1 or dynamic; model has %v, %v",
			ec.Model, ec.InputName, s, s, ec.OutputName, d, in, out)
	}
	e := &embedder{cfg: ec, sess: sess, order: [3]int{0, 1, 2}, dynamic: sess.DynamicBatch(), onBatch: cfg.Batch.OnBatch}
	if ec.ChannelOrder == BGR {
		e.order = [3]int{2, 1, 0}
	}
	if e.dynamic {
		e.tensors = make(map[int]*embBufs)
		e.batch = newBatcher(cfg.Batch.MaxBatch, cfg.Batch.MaxWait, e.runBatch)
	} else {
		e.bufs = newPool(cfg.poolSize(), func() (*embBufs, error) { return e.newBufs(1) }, (*embBufs).close)
	}
	return e, nil
}

func dimIs(got, want int64) bool { return got == want || got < 0 }

func (e *embedder) newBufs(n int) (*embBufs, error) {
	s := int64(e.cfg.InputSize)
	in, err := ort.NewTensor(int64(n), 3, s, s)
	if err != nil {
		return nil, err
	}
	out, err := ort.NewTensor(int64(n), int64(e.cfg.Dim))
	if err != nil {
		in.Close()
		return nil, err
	}
	return &embBufs{in: in, out: out}, nil
}

// inputLen is the float count of one preprocessed crop.
func (e *embedder) inputLen() int { return 3 * e.cfg.InputSize * e.cfg.InputSize }

// preprocess writes the crop as the model's normalised planar input.
func (e *embedder) preprocess(crop *raster, dst []float32) {
	n := crop.w * crop.h
	for k := 0; k < 3; k++ {
		out := dst[k*n:][:n]
		c, m, inv := e.order[k], e.cfg.Mean[k], 1/e.cfg.Std[k]
		for i := range out {
			out[i] = (float32(crop.pix[3*i+c]) - m) * inv
		}
	}
}

// embed returns the L2-normalised embedding of one aligned crop and the length the model's
// vector had before (a face-recognition model's vectors are shorter for what is hardly a
// face: blurred, turned away, or not a human face at all).
func (e *embedder) embed(ctx context.Context, crop *raster) ([]float32, float32, error) {
	vec := make([]float32, e.cfg.Dim)
	if e.dynamic {
		in := make([]float32, e.inputLen())
		e.preprocess(crop, in)
		if err := e.batch.do(ctx, in, vec); err != nil {
			return nil, 0, err
		}
	} else {
		b, err := e.bufs.get()
		if err != nil {
			return nil, 0, err
		}
		e.preprocess(crop, b.in.Data())
		err = e.sess.Run([]*ort.Tensor{b.in}, []*ort.Tensor{b.out})
		copy(vec, b.out.Data())
		e.bufs.put(b)
		if err != nil {
			return nil, 0, fmt.Errorf("face embedder: %w", err)
		}
		e.observe(1)
	}
	norm, ok := normalize(vec)
	if !ok {
		return nil, 0, fmt.Errorf("face embedder %s returned a zero or non-finite vector", e.cfg.Model)
	}
	return vec, norm, nil
}

// runBatch is the batcher's run: one inference for all the items, with tensors kept per
// batch size (only the batcher's goroutine calls it).
func (e *embedder) runBatch(ins, outs [][]float32) error {
	n := len(ins)
	b := e.tensors[n]
	if b == nil {
		var err error
		if b, err = e.newBufs(n); err != nil {
			return err
		}
		e.tensors[n] = b
	}
	l := e.inputLen()
	data := b.in.Data()
	for i, in := range ins {
		copy(data[i*l:][:l], in)
	}
	if err := e.sess.Run([]*ort.Tensor{b.in}, []*ort.Tensor{b.out}); err != nil {
		return fmt.Errorf("face embedder (batch of %d): %w", n, err)
	}
	e.observe(n)
	res := b.out.Data()
	for i, out := range outs {
		copy(out, res[i*e.cfg.Dim:][:e.cfg.Dim])
	}
	return nil
}

// observe reports the size of one embedding run to the configured observer.
func (e *embedder) observe(n int) {
	if e.onBatch != nil {
		e.onBatch(n)
	}
}

// normalize scales v to unit length and returns the length it had; it reports false for a
// zero or non-finite vector.
func normalize(v []float32) (float32, bool) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 || math.IsNaN(ss) || math.IsInf(ss, 0) {
		return 0, false
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range v {
		v[i] *= inv
	}
	return float32(math.Sqrt(ss)), true
}

// Cosine is the cosine similarity of two embeddings (their dot product when both are
// L2-normalised, as this package's are); 0 when either is zero or their lengths differ.
func Cosine(a, b []float32) float32 {
	if len(a) != len(b) {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return float32(dot / math.Sqrt(na*nb))
}

func (e *embedder) close() {
	if e.batch != nil {
		e.batch.close()
		for _, b := range e.tensors {
			b.close()
		}
	}
	if e.bufs != nil {
		e.bufs.drain()
	}
	e.sess.Close()
}
