package ort

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mediafleet/mediafleet/internal/cachedir"
)

// The two ONNX Runtime builds the setup task installs.
const (
	// BuildCPU is ONNX Runtime 1.30 from the npm package onnxruntime-node: CPU only.
	BuildCPU = "cpu"
	// BuildGPU is ONNX Runtime 1.29 from the npm packages com.github.asus4.onnxruntime and
	// com.github.asus4.onnxruntime.linux-x64-gpu: a core that also runs on the CPU, and a CUDA
	// provider library built for CUDA 13 and cuDNN 9.
	BuildGPU = "gpu"
)

// SetupGPUHint is the command that installs the GPU build.
const SetupGPUHint = "go tool task setup:gpu"

// CUDAProviderFile is the file name of the CUDA execution provider, beside the GPU build's core.
const CUDAProviderFile = "libonnxruntime_providers_cuda.so"

// DefaultGPULibraryPath is where the setup task puts the GPU build's core in the per-user cache
// (${XDG_CACHE_HOME:-$HOME/.cache}/mediafleet/onnxruntime-gpu), its CUDA provider beside it.
func DefaultGPULibraryPath() string {
	return filepath.Join(cachedir.CacheDir(), "onnxruntime-gpu", "libonnxruntime.so")
}

// BuildRequest is what [ChooseBuild] decides on.
type BuildRequest struct {
	// CPULibrary is the CPU build's library; empty means DefaultLibraryPath().
	CPULibrary string
	// GPULibrary is the GPU build's core; empty means DefaultGPULibraryPath().
	GPULibrary string
	// GPU asks for the GPU build: the models are to run on a GPU that the driver showed and
	// that the process is pinned to.
	GPU bool
	// RequireGPU turns every reason the GPU build cannot be used into an error instead of a
	// fallback to the CPU build.
	RequireGPU bool
	// Driver is the NVIDIA driver's version ("580.95.05") and CUDAVersion the newest CUDA it
	// supports ("13.0"), as NVML reports them; empty when unknown.
	Driver, CUDAVersion string
	// SearchDirs are where to look for CUDA and cuDNN libraries that the dynamic loader does
	// not find by itself; nil means CUDASearchDirs().
	SearchDirs []string
	// CUDADevice is the CUDA device the sessions will use (0 in a process pinned to one GPU);
	// it is tried before the GPU build is chosen.
	CUDADevice int
}

// Build is the ONNX Runtime a process loads, as [ChooseBuild] chose it.
type Build struct {
	// Name is BuildCPU or BuildGPU.
	Name string `json:"build"`
	// Library is the ONNX Runtime library to load (Config.LibraryPath).
	Library string `json:"library"`
	// CUDAProvider is the CUDA provider library to register (Config.CUDAProvider); GPU build only.
	CUDAProvider string `json:"cuda_provider,omitempty"`
	// CUDALibraries are the driver, CUDA and cuDNN libraries loaded for the CUDA provider.
	CUDALibraries []CUDALibrary `json:"cuda_libraries,omitempty"`
	// Fallback says why the CPU build was chosen although the GPU was asked for.
	Fallback string `json:"fallback,omitempty"`
}

// ChooseBuild picks the ONNX Runtime build for req. Without req.GPU it is the CPU build. With
// it, the GPU build is checked: its core and CUDA provider installed, the driver new enough for
// the CUDA the provider is built for, every CUDA and cuDNN library it needs loadable (they are
// loaded here, so ONNX Runtime finds them wherever they are; see [LoadCUDA]), and CUDA able to
// open req.CUDADevice. When one of
// these fails, the result is the CPU build with the reason in Fallback, one sentence that names
// what is missing and how to get it; with req.RequireGPU it is an error with that sentence.
func ChooseBuild(req BuildRequest) (Build, error) {
	cpu := Build{Name: BuildCPU, Library: cmp.Or(req.CPULibrary, DefaultLibraryPath())}
	if !req.GPU {
		return cpu, nil
	}
	b, err := gpuBuild(req)
	if err == nil {
		return b, nil
	}
	if req.RequireGPU {
		return Build{}, fmt.Errorf("a GPU is required (require_gpu), but %w", err)
	}
	cpu.Fallback = err.Error()
	return cpu, nil
}

func gpuBuild(req BuildRequest) (Build, error) {
	lib := cmp.Or(req.GPULibrary, DefaultGPULibraryPath())
	if st, err := os.Stat(lib); err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
		return Build{}, fmt.Errorf("the GPU build of ONNX Runtime is not installed (%s is missing or empty): run `%s`, or set faces.ort_gpu_lib (MEDIAFLEET_ORT_GPU_LIB) to the libonnxruntime.so of a GPU build",
			lib, SetupGPUHint)
	}
	provider := filepath.Join(filepath.Dir(lib), CUDAProviderFile)
	if st, err := os.Stat(provider); err != nil || st.Size() == 0 {
		return Build{}, fmt.Errorf("the GPU build at %s has no CUDA provider beside it (%s is missing or empty): run `%s`",
			lib, provider, SetupGPUHint)
	}
	_, major, err := CUDANeeds(provider)
	if err != nil {
		return Build{}, err
	}
	if driverMajor := cudaMajor(req.CUDAVersion); driverMajor > 0 && driverMajor < major {
		return Build{}, fmt.Errorf("the NVIDIA driver %s supports CUDA up to %s, but the CUDA provider %s is built for CUDA %d: install driver %s",
			req.Driver, req.CUDAVersion, provider, major, minDriver(major))
	}
	dirs := req.SearchDirs
	if dirs == nil {
		dirs = CUDASearchDirs()
	}
	libs, err := LoadCUDA(provider, dirs)
	if err != nil {
		return Build{}, err
	}
	if err := probeCUDA(req.CUDADevice); err != nil {
		return Build{}, fmt.Errorf("the CUDA runtime %s cannot use the GPU: %w (is it hidden by CUDA_VISIBLE_DEVICES, in exclusive use by another process, or is the driver in a bad state? nvidia-smi shows it)",
			cudartPath(libs), err)
	}
	return Build{Name: BuildGPU, Library: lib, CUDAProvider: provider, CUDALibraries: libs}, nil
}

func cudartPath(libs []CUDALibrary) string {
	for _, l := range libs {
		if strings.HasPrefix(l.Name, "libcudart.so.") {
			return l.Path
		}
	}
	return "libcudart"
}

func cudaMajor(version string) int {
	var major int
	if _, err := fmt.Sscanf(version, "%d", &major); err != nil {
		return 0
	}
	return major
}

// Describe is the one line a process logs about its ONNX Runtime: the build, its version and
// file, the execution provider its sessions run on ("CPU" or "CUDA:<id>"), the driver, CUDA and
// cuDNN libraries loaded for the GPU build, and why the CPU build runs when the GPU was asked for.
func (b Build) Describe(version, provider string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "ONNX Runtime %s build %s (%s), execution provider %s", b.Name, version, b.Library, provider)
	if len(b.CUDALibraries) > 0 {
		libs := make([]string, len(b.CUDALibraries))
		for i, l := range b.CUDALibraries {
			libs[i] = l.Name + " (" + l.Path + ")"
		}
		s.WriteString(", CUDA and cuDNN libraries " + strings.Join(libs, ", "))
	}
	switch {
	case b.Fallback != "":
		s.WriteString(", on the CPU because " + b.Fallback)
	case b.Name == BuildGPU && provider == "CPU":
		s.WriteString(", on the CPU because the CUDA provider could not be used (the warning before says why)")
	}
	return s.String()
}
