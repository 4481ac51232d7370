package ort_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

func TestMain(m *testing.M) {
	if scenario := os.Getenv(childEnv); scenario != "" {
		os.Exit(child(scenario))
	}
	os.Exit(m.Run())
}

// childResult is what a child scenario prints.
type childResult struct {
	Libs     []ort.CUDALibrary `json:"libs"`
	Missing  []string          `json:"missing"`
	Error    string            `json:"error"`
	Build    ort.Build         `json:"build"`
	Version  string            `json:"version"`
	Provider string            `json:"provider"`
	Log      string            `json:"log"`
	Describe string            `json:"describe"`
}

// child runs one scenario in this process and prints its childResult:
//   - load: LoadCUDA of $PROVIDER with the folder $DIR to search;
//   - session: ChooseBuild for the GPU ($GPU_LIB, $CPU_LIB, search folder $DIR, require_gpu when
//     $REQUIRE is set), then a session of $MODEL on CUDA device 0 and one run of it.
func child(scenario string) int {
	var r childResult
	switch scenario {
	case "load":
		libs, err := ort.LoadCUDA(os.Getenv("PROVIDER"), []string{os.Getenv("DIR")})
		r.Libs = libs
		var m *ort.MissingCUDAError
		if errors.As(err, &m) {
			for _, x := range m.Missing {
				r.Missing = append(r.Missing, x.Name)
			}
		}
		if err != nil {
			r.Error = err.Error()
		}
	case "session":
		r = childSession()
	default:
		fmt.Fprintln(os.Stderr, "unknown scenario", scenario)
		return 2
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		return 1
	}
	return 0
}

func childSession() childResult {
	var r childResult
	b, err := ort.ChooseBuild(ort.BuildRequest{CPULibrary: os.Getenv("CPU_LIB"), GPULibrary: os.Getenv("GPU_LIB"),
		GPU: true, RequireGPU: os.Getenv("REQUIRE") != "", SearchDirs: []string{os.Getenv("DIR")}})
	r.Build = b
	if err != nil {
		r.Error = err.Error()
		return r
	}
	var logs bytes.Buffer
	rt, err := ort.Open(ort.Config{LibraryPath: b.Library, CUDAProvider: b.CUDAProvider}, zerolog.New(&logs))
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer rt.Close()
	r.Version = rt.Version()
	s, err := rt.NewSession(os.Getenv("MODEL"), ort.SessionConfig{CUDADevice: 0, RequireGPU: os.Getenv("REQUIRE") != ""})
	r.Log = logs.String()
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer s.Close()
	r.Provider = s.Provider()
	in, _ := ort.NewTensor(1, 1, 64, 64)
	out, _ := ort.NewTensor(1, 136)
	defer in.Close()
	defer out.Close()
	if err := s.Run([]*ort.Tensor{in}, []*ort.Tensor{out}); err != nil {
		r.Error = err.Error()
	}
	r.Describe = b.Describe(r.Version, r.Provider)
	return r
}

// TestCUDANeedsOfTheGPUBuild reads what the real CUDA provider of the GPU build links to.
func TestCUDANeedsOfTheGPUBuild(t *testing.T) {
	_, provider := testenv.GPUBuild(t)
	libs, major, err := ort.CUDANeeds(provider)
	require.NoError(t, err)
	require.Equal(t, 13, major)
	require.Equal(t, []string{"libcuda.so.1", "libcublasLt.so.13", "libcublas.so.13", "libcurand.so.10", "libcudart.so.13", "libcudnn.so.9"}, libs)

	_, _, err = ort.CUDANeeds(testenv.ORTLib(t))
	require.ErrorContains(t, err, "does not link libcudart")
}

// expectedMissing is what the loader of this machine cannot find among names, by ldd for the
// provider's link-time dependencies and by its cache for cuDNN.
func expectedMissing(t *testing.T, provider string, names []string) []string {
	ldd := lddMissing(t, provider)
	var want []string
	for _, n := range names {
		if slices.Contains(ldd, n) || (n == ort.CUDNNLibrary && !loaderFinds(t, n)) {
			want = append(want, n)
		}
	}
	return want
}

// TestMissingCUDALibrariesAreNamed loads the real CUDA provider's libraries with nothing but the
// loader's own path: every library that ldd reports as not found is named, with the NVIDIA
// package that has it, the LD_LIBRARY_PATH way, and the driver for libcuda.so.1.
func TestMissingCUDALibrariesAreNamed(t *testing.T) {
	_, provider := testenv.GPUBuild(t)
	names, _, err := ort.CUDANeeds(provider)
	require.NoError(t, err)
	want := expectedMissing(t, provider, names)
	libs, err := ort.LoadCUDA(provider, []string{})
	if len(want) == 0 {
		require.NoError(t, err)
		require.Len(t, libs, len(names))
		return
	}
	var m *ort.MissingCUDAError
	require.ErrorAs(t, err, &m)
	var got []string
	for _, x := range m.Missing {
		got = append(got, x.Name)
	}
	require.Equal(t, want, got)
	msg := err.Error()
	require.NotRegexp(t, `\.\s+[A-Z]|\n`, msg, "one sentence")
	require.Contains(t, msg, provider)
	require.Contains(t, msg, m.Missing[0].Name+": cannot open shared object file", "the loader's own words")
	for _, n := range want {
		require.Contains(t, msg, n)
	}
	pkgs := map[string]string{"libcudart.so.13": "'nvidia-cuda-runtime==13.*'", "libcublas.so.13": "'nvidia-cublas==13.*'",
		"libcublasLt.so.13": "'nvidia-cublas==13.*'", "libcurand.so.10": "'nvidia-curand==10.*'", "libcudnn.so.9": "'nvidia-cudnn-cu13==9.*'"}
	for _, n := range want {
		if p, ok := pkgs[n]; ok {
			require.Contains(t, msg, "pip install")
			require.Contains(t, msg, p)
			require.Contains(t, msg, "LD_LIBRARY_PATH")
		}
	}
	if slices.Contains(want, "libcuda.so.1") {
		require.Contains(t, msg, "install the NVIDIA driver")
		require.Contains(t, msg, "580 or newer")
	}
}

// TestEachMissingLibraryIsNamed gives the loader stand-ins for every CUDA library but some, and
// checks that exactly those are named, each with its own package: a missing CUDA runtime, cuBLAS,
// cuDNN or driver library each gives its own fix.
func TestEachMissingLibraryIsNamed(t *testing.T) {
	_, provider := testenv.GPUBuild(t)
	names, _, err := ort.CUDANeeds(provider)
	require.NoError(t, err)
	cases := []struct {
		drop []string
		fix  string
	}{
		{[]string{"libcudart.so.13"}, "pip install 'nvidia-cuda-runtime==13.*'"},
		{[]string{"libcublasLt.so.13", "libcublas.so.13"}, "pip install 'nvidia-cublas==13.*'`"},
		{[]string{"libcudnn.so.9"}, "pip install 'nvidia-cudnn-cu13==9.*'`"},
		{[]string{"libcuda.so.1"}, "install the NVIDIA driver (libcuda.so.1 comes with it; CUDA 13 needs driver 580 or newer)"},
	}
	for _, c := range cases {
		t.Run(c.drop[0], func(t *testing.T) {
			dir := cudaStubs(t, provider, nil, without(names, c.drop...)...)
			var r childResult
			runChild(t, "load", []string{"PROVIDER=" + provider, "DIR=" + dir}, &r)
			var want []string
			for _, n := range c.drop {
				if !loaderFinds(t, n) {
					want = append(want, n)
				}
			}
			require.Equal(t, want, r.Missing, r.Error)
			for _, l := range r.Libs {
				if !loaderFinds(t, l.Name) {
					require.Equal(t, filepath.Join(dir, l.Name), l.Path, "loaded from the search folder")
				}
			}
			if len(want) > 0 {
				require.Contains(t, r.Error, c.fix)
				if c.drop[0] == "libcuda.so.1" {
					require.NotContains(t, r.Error, "pip install", "only the fix for what is missing")
				} else {
					require.Equal(t, 1, strings.Count(r.Error, "pip install"), r.Error)
					require.NotContains(t, r.Error, "NVIDIA driver", "only the fix for what is missing")
				}
				require.NotRegexp(t, `\.\s+[A-Z]|\n`, r.Error, "one sentence")
			}
		})
	}
}

// oneDevice makes the stand-in CUDA runtime see one device that it can open, as on a machine with
// a GPU: ChooseBuild then takes the GPU build.
var oneDevice = map[string]string{
	"cudaGetDeviceCount": "int cudaGetDeviceCount(int* n) { *n = 1; return 0; }",
	"cudaSetDevice":      "int cudaSetDevice(int d) { return d == 0 ? 0 : 101; }",
	"cudaFree":           "int cudaFree(void* p) { return 0; }",
}

// sessionEnv is the environment of the session scenario for the stand-ins in dir.
func sessionEnv(t *testing.T, lib, dir string) []string {
	return []string{"GPU_LIB=" + lib, "CPU_LIB=" + testenv.ORTLib(t), "DIR=" + dir,
		"MODEL=" + filepath.Join(testenv.ModelsDir(t), "fr_landmark.onnx")}
}

// TestGPUBuildOnStandInCUDA runs the whole GPU path on stand-ins for the CUDA libraries whose
// runtime sees one device: ChooseBuild loads them from the search folder and takes the GPU build,
// ONNX Runtime 1.29 registers the real CUDA provider against them, and a session asking for CUDA
// device 0 is told that the provider found no device (ONNX Runtime finds GPUs in sysfs, and this
// machine has none); it runs on the CPU with one warning, or fails with require_gpu. On a machine
// with a GPU and CUDA, the real libraries come first and the session runs on CUDA:0.
func TestGPUBuildOnStandInCUDA(t *testing.T) {
	lib, provider := testenv.GPUBuild(t)
	names, _, err := ort.CUDANeeds(provider)
	require.NoError(t, err)
	dir := cudaStubs(t, provider, oneDevice, names...)
	env := sessionEnv(t, lib, dir)
	var r childResult
	runChild(t, "session", env, &r)
	require.Empty(t, r.Error)
	require.Equal(t, ort.BuildGPU, r.Build.Name, r.Build.Fallback)
	require.Equal(t, lib, r.Build.Library)
	require.Equal(t, provider, r.Build.CUDAProvider)
	require.Equal(t, "1.29.0", r.Version)
	require.Len(t, r.Build.CUDALibraries, len(names))
	if loaderFinds(t, "libcuda.so.1") {
		require.Equal(t, "CUDA:0", r.Provider, r.Log)
		return
	}
	for _, l := range r.Build.CUDALibraries {
		require.Equal(t, filepath.Join(dir, l.Name), l.Path)
	}
	require.Equal(t, "CPU", r.Provider)
	require.Equal(t, 1, strings.Count(r.Log, `"level":"warn"`), r.Log)
	require.Contains(t, r.Log, "CUDAExecutionProvider found no device")
	require.Contains(t, r.Describe, "ONNX Runtime gpu build 1.29.0 ("+lib+"), execution provider CPU, CUDA and cuDNN libraries libcuda.so.1 ("+dir)
	require.True(t, strings.HasSuffix(r.Describe, ", on the CPU because the CUDA provider could not be used (the warning before says why)"), r.Describe)

	runChild(t, "session", append(env, "REQUIRE=1"), &r)
	require.Contains(t, r.Error, "CUDA device 0 was asked for and a GPU is required")
	require.Contains(t, r.Error, "CUDAExecutionProvider found no device")
}

// TestCUDAThatCannotOpenTheDevice: when the CUDA runtime loads but cannot open the device (here
// it sees none; on a GPU machine, a GPU hidden or in exclusive use), the CPU build is chosen
// with CUDA's own words, before ONNX Runtime's CUDA provider would end the process over it; with
// require_gpu it is an error.
func TestCUDAThatCannotOpenTheDevice(t *testing.T) {
	lib, provider := testenv.GPUBuild(t)
	names, _, err := ort.CUDANeeds(provider)
	require.NoError(t, err)
	if loaderFinds(t, "libcudart.so.13") {
		t.Log("this machine's own CUDA runtime comes before the stand-in: the case is the one above")
	}
	busy := map[string]string{
		"cudaGetDeviceCount": oneDevice["cudaGetDeviceCount"],
		"cudaSetDevice":      "int cudaSetDevice(int d) { return 46; }",
	}
	for _, c := range []struct {
		defs map[string]string
		want string
	}{
		{nil, "cudaGetDeviceCount returned CUDA error 100 (no CUDA device (stand-in library)) for CUDA device 0"},
		{busy, "cudaSetDevice returned CUDA error 46 (no CUDA device (stand-in library)) for CUDA device 0"},
	} {
		dir := cudaStubs(t, provider, c.defs, names...)
		env := sessionEnv(t, lib, dir)
		var r childResult
		runChild(t, "session", env, &r)
		if loaderFinds(t, "libcudart.so.13") {
			continue
		}
		require.Empty(t, r.Error)
		require.Equal(t, ort.BuildCPU, r.Build.Name)
		require.Equal(t, "1.30.0", r.Version)
		require.Equal(t, "CPU", r.Provider)
		require.Contains(t, r.Build.Fallback, "the CUDA runtime "+filepath.Join(dir, "libcudart.so.13")+" cannot use the GPU: "+c.want)
		require.Contains(t, r.Describe, ", on the CPU because the CUDA runtime")

		runChild(t, "session", append(env, "REQUIRE=1"), &r)
		require.Contains(t, r.Error, "a GPU is required (require_gpu), but the CUDA runtime")
		require.Contains(t, r.Error, c.want)
	}
}

// TestChooseBuild covers the choices that need no CUDA: the CPU build when no GPU is asked for,
// and the sentences for a GPU build that is not installed or a driver too old for it.
func TestChooseBuild(t *testing.T) {
	cpuLib := testenv.ORTLib(t)
	b, err := ort.ChooseBuild(ort.BuildRequest{CPULibrary: cpuLib})
	require.NoError(t, err)
	require.Equal(t, ort.Build{Name: ort.BuildCPU, Library: cpuLib}, b)
	require.Equal(t, "ONNX Runtime cpu build 1.30.0 ("+cpuLib+"), execution provider CPU", b.Describe("1.30.0", "CPU"))

	absent := filepath.Join(t.TempDir(), "libonnxruntime.so")
	b, err = ort.ChooseBuild(ort.BuildRequest{CPULibrary: cpuLib, GPULibrary: absent, GPU: true})
	require.NoError(t, err)
	require.Equal(t, ort.BuildCPU, b.Name)
	require.Equal(t, cpuLib, b.Library)
	require.Contains(t, b.Fallback, "the GPU build of ONNX Runtime is not installed ("+absent)
	require.Contains(t, b.Fallback, "run `go tool task setup:gpu`")
	require.Contains(t, b.Describe("1.30.0", "CPU"), ", on the CPU because the GPU build of ONNX Runtime is not installed")

	_, err = ort.ChooseBuild(ort.BuildRequest{CPULibrary: cpuLib, GPULibrary: absent, GPU: true, RequireGPU: true})
	require.ErrorContains(t, err, "a GPU is required (require_gpu), but the GPU build of ONNX Runtime is not installed")

	lib, provider := testenv.GPUBuild(t)
	b, err = ort.ChooseBuild(ort.BuildRequest{CPULibrary: cpuLib, GPULibrary: lib, GPU: true,
		Driver: "535.104.05", CUDAVersion: "12.2", SearchDirs: []string{}})
	require.NoError(t, err)
	require.Equal(t, ort.BuildCPU, b.Name)
	require.Equal(t, "the NVIDIA driver 535.104.05 supports CUDA up to 12.2, but the CUDA provider "+provider+
		" is built for CUDA 13: install driver 580 or newer", b.Fallback)

	lonely := filepath.Join(t.TempDir(), "libonnxruntime.so")
	require.NoError(t, os.Symlink(lib, lonely))
	b, err = ort.ChooseBuild(ort.BuildRequest{CPULibrary: cpuLib, GPULibrary: lonely, GPU: true})
	require.NoError(t, err)
	require.Contains(t, b.Fallback, "has no CUDA provider beside it")
}
