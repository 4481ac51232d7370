package ort

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// CUDALibrary is one CUDA or cuDNN library loaded for the CUDA provider.
type CUDALibrary struct {
	// Name is the library's soname, e.g. libcudart.so.13.
	Name string `json:"name"`
	// Path is the file the dynamic loader mapped.
	Path string `json:"path"`
}

// CUDNNLibrary is the cuDNN that the CUDA provider of ONNX Runtime 1.29 opens at run time (it is
// not among the provider's link-time dependencies): cuDNN 9.
const CUDNNLibrary = "libcudnn.so.9"

// driverLibrary is the CUDA driver library; it comes with the NVIDIA driver, not with CUDA.
const driverLibrary = "libcuda.so.1"

// MissingLibrary is one library the CUDA provider needs that could not be loaded.
type MissingLibrary struct {
	Name string // soname
	// Found is the file that was tried and failed to load; empty when none was found.
	Found string
	// Reason is the dynamic loader's error.
	Reason string
}

// MissingCUDAError says which CUDA, cuDNN or driver libraries the CUDA provider could not load,
// and how to get them.
type MissingCUDAError struct {
	Provider  string // the CUDA provider library
	CUDAMajor int    // the CUDA major version it is built for (from libcudart's soname)
	Missing   []MissingLibrary
}

// Error is one sentence: the libraries, the loader's first error, and the NVIDIA driver or
// packages to install (or the LD_LIBRARY_PATH to set).
func (e *MissingCUDAError) Error() string {
	var names, pips []string
	driver := false
	for _, m := range e.Missing {
		n := m.Name
		if m.Found != "" {
			n += " (" + m.Found + " does not load)"
		}
		names = append(names, n)
		if m.Name == driverLibrary {
			driver = true
		} else if p := pipPackage(m.Name, e.CUDAMajor); p != "" && !slices.Contains(pips, p) {
			pips = append(pips, p)
		}
	}
	var fixes []string
	if driver {
		fixes = append(fixes, fmt.Sprintf("install the NVIDIA driver (%s comes with it; CUDA %d needs driver %s), or give this container the GPU (--gpus)",
			driverLibrary, e.CUDAMajor, minDriver(e.CUDAMajor)))
	}
	if len(pips) > 0 {
		it := "them"
		if len(e.Missing) == 1 || (driver && len(e.Missing) == 2) {
			it = "it"
		}
		fixes = append(fixes, fmt.Sprintf("install %s with `pip install %s` or set LD_LIBRARY_PATH to a folder that has %s",
			it, strings.Join(pips, " "), it))
	}
	return fmt.Sprintf("the CUDA provider %s needs %s, which could not be loaded (%s): %s",
		e.Provider, joinAnd(names), e.Missing[0].Reason, strings.Join(fixes, "; "))
}

// pipPackage is NVIDIA's pip package (with its version) that ships the library soname.
func pipPackage(soname string, cudaMajor int) string {
	base, major, _ := strings.Cut(soname, ".so.")
	pkg := map[string]string{
		"libcudart": "nvidia-cuda-runtime", "libcublas": "nvidia-cublas", "libcublasLt": "nvidia-cublas",
		"libcurand": "nvidia-curand", "libcufft": "nvidia-cufft", "libnvrtc": "nvidia-cuda-nvrtc",
		"libcudnn": "nvidia-cudnn-cu" + strconv.Itoa(cudaMajor),
	}[base]
	if pkg == "" || major == "" {
		return ""
	}
	return fmt.Sprintf("'%s==%s.*'", pkg, major)
}

// minDriver is the oldest Linux driver branch that supports CUDA major.
func minDriver(major int) string {
	switch {
	case major >= 13:
		return "580 or newer"
	case major == 12:
		return "525 or newer"
	}
	return "that supports it"
}

func joinAnd(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// CUDANeeds lists the libraries the CUDA provider at provider needs from the driver, CUDA and
// cuDNN, in the order to load them (driver first, cuDNN last), and the CUDA major version it
// is built for.
func CUDANeeds(provider string) (libs []string, cudaMajor int, err error) {
	f, err := elf.Open(provider)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the CUDA provider %s: %w", provider, err)
	}
	defer f.Close()
	needed, err := f.ImportedLibraries()
	if err != nil {
		return nil, 0, fmt.Errorf("reading the dependencies of the CUDA provider %s: %w", provider, err)
	}
	libs = []string{driverLibrary}
	for _, n := range needed {
		if n == driverLibrary || !(strings.HasPrefix(n, "libcu") || strings.HasPrefix(n, "libnv")) {
			continue
		}
		libs = append(libs, n)
		if v, ok := strings.CutPrefix(n, "libcudart.so."); ok {
			cudaMajor, _ = strconv.Atoi(v)
		}
	}
	if cudaMajor == 0 {
		return nil, 0, fmt.Errorf("the CUDA provider %s does not link libcudart: is it a CUDA provider of ONNX Runtime?", provider)
	}
	return append(libs, CUDNNLibrary), cudaMajor, nil
}

// LoadCUDA loads every library the CUDA provider at provider needs, so that ONNX Runtime finds
// them when it loads the provider, and returns where each came from. Each is looked for first
// where the dynamic loader looks (LD_LIBRARY_PATH, its cache, the system folders), then in
// dirs (see [CUDASearchDirs]). Libraries that cannot be loaded give a *MissingCUDAError; those
// that could are loaded all the same and stay loaded.
func LoadCUDA(provider string, dirs []string) ([]CUDALibrary, error) {
	names, major, err := CUDANeeds(provider)
	if err != nil {
		return nil, err
	}
	loaded := map[string]string{}
	missing := map[string]MissingLibrary{}
	// A library may need another of the list: retry the failures while a pass loads something.
	for progress := true; progress && len(loaded) < len(names); {
		progress = false
		for _, n := range names {
			if _, ok := loaded[n]; ok {
				continue
			}
			path, m := loadOne(n, dirs)
			if m == nil {
				loaded[n], progress = path, true
				delete(missing, n)
			} else {
				missing[n] = *m
			}
		}
	}
	var libs []CUDALibrary
	e := &MissingCUDAError{Provider: provider, CUDAMajor: major}
	for _, n := range names {
		if p, ok := loaded[n]; ok {
			libs = append(libs, CUDALibrary{Name: n, Path: p})
		} else {
			e.Missing = append(e.Missing, missing[n])
		}
	}
	if len(e.Missing) > 0 {
		return libs, e
	}
	return libs, nil
}

// loadOne loads soname from the loader's path, else from the first of dirs that has it.
func loadOne(soname string, dirs []string) (string, *MissingLibrary) {
	path, err := loadGlobal(soname)
	if err == nil {
		return path, nil
	}
	m := &MissingLibrary{Name: soname, Reason: err.Error()}
	for _, d := range dirs {
		p := filepath.Join(d, soname)
		if _, serr := os.Stat(p); serr != nil {
			continue
		}
		path, err := loadGlobal(p)
		if err == nil {
			return path, nil
		}
		m.Found, m.Reason = p, err.Error()
	}
	return "", m
}

// CUDASearchDirs lists the folders, beyond the dynamic loader's own path, where CUDA and cuDNN
// libraries are commonly installed: the CUDA toolkit ($CUDA_HOME, $CUDA_PATH, /usr/local/cuda)
// and the lib folders of NVIDIA's pip packages (site-packages/nvidia/*/lib, e.g. nvidia/cu13/lib
// and nvidia/cudnn/lib) in the Python environments of $VIRTUAL_ENV, $CONDA_PREFIX, the python3
// on PATH, ~/.local, /usr/local, /usr and /opt/conda. Only folders that exist are listed.
func CUDASearchDirs() []string {
	var dirs []string
	add := func(ds ...string) {
		for _, d := range ds {
			if st, err := os.Stat(d); err == nil && st.IsDir() && !slices.Contains(dirs, d) {
				dirs = append(dirs, d)
			}
		}
	}
	for _, env := range []string{"CUDA_HOME", "CUDA_PATH"} {
		if v := os.Getenv(env); v != "" {
			add(filepath.Join(v, "lib64"), filepath.Join(v, "lib"))
		}
	}
	add("/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib")
	var prefixes []string
	for _, env := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if v := os.Getenv(env); v != "" {
			prefixes = append(prefixes, v)
		}
	}
	if py, err := exec.LookPath("python3"); err == nil {
		prefixes = append(prefixes, filepath.Dir(filepath.Dir(py)))
	}
	if home, err := os.UserHomeDir(); err == nil {
		prefixes = append(prefixes, filepath.Join(home, ".local"))
	}
	prefixes = append(prefixes, "/usr/local", "/usr", "/opt/conda")
	for _, p := range prefixes {
		for _, site := range []string{"site-packages", "dist-packages"} {
			libs, _ := filepath.Glob(filepath.Join(p, "lib", "python3*", site, "nvidia", "*", "lib"))
			add(libs...)
		}
	}
	return dirs
}
