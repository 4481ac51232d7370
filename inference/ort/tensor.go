package ort

import (
	"fmt"

	onnx "github.com/yalue/onnxruntime_go"
)

// Tensor is a float32 tensor whose memory ONNX Runtime reads and writes in place. Fill
// Data() before Run and read it after; reuse a Tensor across runs to avoid allocations.
// A Tensor must not be used by two Run calls at once.
type Tensor struct {
	t *onnx.Tensor[float32]
}

// NewTensor allocates a zeroed float32 tensor of the given shape.
func NewTensor(shape ...int64) (*Tensor, error) {
	t, err := onnx.NewEmptyTensor[float32](onnx.NewShape(shape...))
	if err != nil {
		return nil, fmt.Errorf("allocating tensor %v: %w", shape, err)
	}
	return &Tensor{t: t}, nil
}

// Data is the tensor's backing slice, in row-major order.
func (t *Tensor) Data() []float32 { return t.t.GetData() }

// Shape is the tensor's shape.
func (t *Tensor) Shape() []int64 { return []int64(t.t.GetShape()) }

// Close frees the tensor; it must not be used afterwards.
func (t *Tensor) Close() error {
	if t == nil || t.t == nil {
		return nil
	}
	err := t.t.Destroy()
	t.t = nil
	return err
}
