// Package ort owns mediafleet's use of ONNX Runtime: it loads the shared library once per
// process (several pipelines share it through reference-counted Runtime handles), creates
// inference sessions with a chosen number of intra-op threads on the CPU or on a CUDA
// device, and hides onnxruntime_go's types behind a small float32 Tensor and Session API.
//
// A CUDA device that cannot be used falls back to the CPU with one warning in the log,
// unless SessionConfig.RequireGPU is set, in which case session creation fails with an
// error that says so. A missing library or model file is an error that names the path and
// the command that provides it.
//
// The library is the ONNX Runtime 1.30.0 build shipped in the npm package
// onnxruntime-node@1.30.0; onnxruntime_go v1.27.0 asks it for C API version 24, which the
// 1.30 library serves.
package ort
