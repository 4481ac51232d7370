package faces

import (
	"encoding/binary"
	"os"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// This file rewrites an ONNX model (a protobuf) without a generated onnx.proto, to give a
// model with a batch fixed at 1 a dynamic batch: dimension 0 of the graph's inputs and
// outputs becomes the symbolic "N", intermediate shape hints (value_info) are dropped, and
// Reshape shape constants that start with a batch of 1 start with 0 (copy the input's
// batch) instead.

// ONNX field numbers used below (onnx/onnx.proto3).
const (
	modelGraph       = 7  // ModelProto.graph
	graphNode        = 1  // GraphProto.node
	graphInitializer = 5  // GraphProto.initializer
	graphInput       = 11 // GraphProto.input
	graphOutput      = 12 // GraphProto.output
	graphValueInfo   = 13 // GraphProto.value_info
	nodeInput        = 1  // NodeProto.input
	nodeOpType       = 4  // NodeProto.op_type
	nodeAttribute    = 5  // NodeProto.attribute
	nodeOutput       = 2  // NodeProto.output
	attrTensor       = 5  // AttributeProto.t
	valueInfoName    = 1  // ValueInfoProto.name
	valueInfoType    = 2  // ValueInfoProto.type
	typeTensor       = 1  // TypeProto.tensor_type
	tensorTypeShape  = 2  // TypeProto.Tensor.shape
	shapeDim         = 1  // TensorShapeProto.dim
	dimParam         = 2  // TensorShapeProto.Dimension.dim_param
	tensorDims       = 1  // TensorProto.dims
	tensorDataType   = 2  // TensorProto.data_type
	tensorInt64Data  = 7  // TensorProto.int64_data
	tensorName       = 8  // TensorProto.name
	tensorRawData    = 9  // TensorProto.raw_data
)

// field is one protobuf field as read from the wire.
type field struct {
	num protowire.Number
	typ protowire.Type
	raw []byte // the whole field, tag included
	val []byte // the payload of a length-delimited field
}

func fields(t testing.TB, b []byte) []field {
	t.Helper()
	var out []field
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad protobuf tag: %v", protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			t.Fatalf("bad protobuf field %d: %v", num, protowire.ParseError(m))
		}
		f := field{num: num, typ: typ, raw: b[:n+m]}
		if typ == protowire.BytesType {
			f.val, _ = protowire.ConsumeBytes(b[n:])
		}
		out = append(out, f)
		b = b[n+m:]
	}
	return out
}

func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func strField(t testing.TB, msg []byte, num protowire.Number) []string {
	var s []string
	for _, f := range fields(t, msg) {
		if f.num == num && f.typ == protowire.BytesType {
			s = append(s, string(f.val))
		}
	}
	return s
}

// makeDynamicBatch writes to dst a copy of the model at src with a dynamic batch.
func makeDynamicBatch(t testing.TB, src, dst string) {
	t.Helper()
	model, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, f := range fields(t, model) {
		if f.num != modelGraph {
			out = append(out, f.raw...)
			continue
		}
		out = appendBytesField(out, modelGraph, patchGraph(t, f.val))
	}
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func patchGraph(t testing.TB, g []byte) []byte {
	fs := fields(t, g)
	// Names of the shape operands of Reshape nodes.
	shapeNames := map[string]bool{}
	for _, f := range fs {
		if f.num == graphNode {
			if ops := strField(t, f.val, nodeOpType); len(ops) == 1 && ops[0] == "Reshape" {
				if in := strField(t, f.val, nodeInput); len(in) == 2 {
					shapeNames[in[1]] = true
				}
			}
		}
	}
	patched := 0
	var out []byte
	for _, f := range fs {
		switch f.num {
		case graphValueInfo:
			continue // shape hints that pin the batch to 1
		case graphInput, graphOutput:
			out = appendBytesField(out, f.num, symbolicBatch(t, f.val))
		case graphInitializer:
			names := strField(t, f.val, tensorName)
			if len(names) == 1 && shapeNames[names[0]] {
				v, ok := zeroBatch(t, f.val)
				if ok {
					patched++
				}
				out = appendBytesField(out, f.num, v)
				continue
			}
			out = append(out, f.raw...)
		case graphNode:
			v, ok := patchConstantNode(t, f.val, shapeNames)
			if ok {
				patched++
			}
			out = appendBytesField(out, f.num, v)
		default:
			out = append(out, f.raw...)
		}
	}
	if patched == 0 {
		t.Fatalf("no Reshape shape constant starting with a batch of 1 was found")
	}
	return out
}

// patchConstantNode rewrites a Constant node that produces a Reshape shape.
func patchConstantNode(t testing.TB, n []byte, shapeNames map[string]bool) ([]byte, bool) {
	ops, outs := strField(t, n, nodeOpType), strField(t, n, nodeOutput)
	if len(ops) != 1 || ops[0] != "Constant" || len(outs) != 1 || !shapeNames[outs[0]] {
		return n, false
	}
	var out []byte
	patched := false
	for _, f := range fields(t, n) {
		if f.num != nodeAttribute {
			out = append(out, f.raw...)
			continue
		}
		var attr []byte
		for _, a := range fields(t, f.val) {
			if a.num == attrTensor {
				v, ok := zeroBatch(t, a.val)
				patched = patched || ok
				attr = appendBytesField(attr, attrTensor, v)
			} else {
				attr = append(attr, a.raw...)
			}
		}
		out = appendBytesField(out, nodeAttribute, attr)
	}
	return out, patched
}

// zeroBatch turns an int64 shape tensor [1, ...] into [0, ...].
func zeroBatch(t testing.TB, tensor []byte) ([]byte, bool) {
	var out []byte
	patched := false
	for _, f := range fields(t, tensor) {
		switch {
		case f.num == tensorRawData && len(f.val) >= 8 && binary.LittleEndian.Uint64(f.val) == 1:
			v := append([]byte(nil), f.val...)
			binary.LittleEndian.PutUint64(v, 0)
			out = appendBytesField(out, f.num, v)
			patched = true
		case f.num == tensorInt64Data && f.typ == protowire.BytesType && len(f.val) > 0 && f.val[0] == 1:
			v := append([]byte{0}, f.val[1:]...) // packed varints: 1 and 0 are one byte each
			out = appendBytesField(out, f.num, v)
			patched = true
		default:
			out = append(out, f.raw...)
		}
	}
	return out, patched
}

// symbolicBatch rewrites a ValueInfoProto so that dimension 0 of its tensor is "N".
func symbolicBatch(t testing.TB, vi []byte) []byte {
	rewrite := func(msg []byte, num protowire.Number, inner func([]byte) []byte) []byte {
		var out []byte
		for _, f := range fields(t, msg) {
			if f.num == num && f.typ == protowire.BytesType {
				out = appendBytesField(out, num, inner(f.val))
			} else {
				out = append(out, f.raw...)
			}
		}
		return out
	}
	return rewrite(vi, valueInfoType, func(tp []byte) []byte {
		return rewrite(tp, typeTensor, func(tt []byte) []byte {
			return rewrite(tt, tensorTypeShape, func(shape []byte) []byte {
				var out []byte
				first := true
				for _, f := range fields(t, shape) {
					if f.num == shapeDim && first {
						first = false
						out = appendBytesField(out, shapeDim, appendBytesField(nil, dimParam, []byte("N")))
						continue
					}
					out = append(out, f.raw...)
				}
				return out
			})
		})
	})
}
