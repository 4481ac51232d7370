// Package ort owns mediafleet's use of ONNX Runtime: it loads the shared library once per
// process (several pipelines share it through reference-counted Runtime handles), creates
// inference sessions with a chosen number of intra-op threads on the CPU or on a CUDA
// device, and hides onnxruntime_go's types behind a small float32 Tensor and Session API.
//
// Two builds are installed by the setup task. The CPU build is ONNX Runtime 1.30.0 from the
// npm package onnxruntime-node@1.30.0. The GPU build (`go tool task setup:gpu`) is ONNX
// Runtime 1.29.0 from the npm packages com.github.asus4.onnxruntime@0.4.9 (the core, which
// also runs on the CPU) and com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 (the CUDA
// provider library, built for CUDA 13 and cuDNN 9). onnxruntime_go v1.27.0 asks either for C
// API version 24, which both serve.
//
// [ChooseBuild] picks the build for a process: the GPU build when its models are to run on a
// GPU and everything the CUDA provider needs is there. It loads the driver, CUDA and cuDNN
// libraries itself ([LoadCUDA]) from the dynamic loader's path or from where NVIDIA's pip
// packages and the CUDA toolkit put them ([CUDASearchDirs]), so no LD_LIBRARY_PATH is needed
// for those. It then has CUDA open the device, because ONNX Runtime 1.29's CUDA provider ends
// the whole process (an uncaught C++ exception) when cudaSetDevice fails in session creation.
// What is missing is one sentence naming each library and the NVIDIA package or driver that has
// it, or CUDA's own words about the device; the process then runs on the CPU build, or refuses
// when a GPU is required. [Build.Describe] is the one line a process logs about the build, the execution
// provider and the libraries it loaded.
//
// The GPU build's core has no built-in CUDA entry point: its CUDA provider is registered as an
// execution provider library and added to sessions through ONNX Runtime's device API
// (GetEpDevices, SessionOptionsAppendExecutionProvider_V2), which epdevice.go calls through the
// C API table because onnxruntime_go does not wrap it.
//
// A CUDA device that cannot be used by a session falls back to the CPU with one warning in the
// log, unless SessionConfig.RequireGPU is set, in which case session creation fails with an
// error that says so. A missing library or model file is an error that names the path and
// the command that provides it.
package ort
