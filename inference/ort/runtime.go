package ort

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/rs/zerolog"
	onnx "github.com/yalue/onnxruntime_go"

	"github.com/mediafleet/mediafleet/internal/cachedir"
)

// SetupHint is the command that installs the ONNX Runtime library and the face models.
const SetupHint = "go tool task setup"

// Config says which ONNX Runtime library a process loads.
type Config struct {
	// LibraryPath is the path of libonnxruntime.so.1; empty means DefaultLibraryPath().
	LibraryPath string
	// CUDAProvider, when set, is a CUDA execution provider library (libonnxruntime_providers_cuda.so
	// of the GPU build) to register with ONNX Runtime; sessions asking for a CUDA device then use
	// it. Load its CUDA libraries first ([LoadCUDA], or [ChooseBuild] which does). A provider
	// that does not register is not an error here: sessions asking for CUDA get the reason.
	CUDAProvider string
}

// Runtime is one handle on the process-wide ONNX Runtime environment. Every Open must be
// matched by a Close; the environment is torn down when the last handle closes. Sessions
// must be closed before the Runtime that made them.
type Runtime struct {
	log          zerolog.Logger
	path         string
	version      string
	cudaProvider string    // the registered CUDA provider library; empty when none
	cudaErr      error     // why cudaProvider did not register
	once         sync.Once // guards Close
	cudaWarn     sync.Once // one warning per Runtime when CUDA falls back to the CPU
}

// env is the process-wide state behind every Runtime: onnxruntime_go keeps one global
// environment, so its loading and teardown are reference counted here.
var env struct {
	mu           sync.Mutex
	refs         int
	path         string
	version      string
	cudaProvider string
	cudaErr      error
}

// cudaRegistration is the name the CUDA provider library is registered under.
const cudaRegistration = "mediafleet-cuda"

// DefaultLibraryPath is where the setup task puts the ONNX Runtime library in the per-user
// cache (${XDG_CACHE_HOME:-$HOME/.cache}/mediafleet/onnxruntime). It returns the first of the
// known file names that exists there, else the canonical libonnxruntime.so.1 path.
func DefaultLibraryPath() string {
	dir := filepath.Join(cachedir.CacheDir(), "onnxruntime")
	candidates := []string{
		filepath.Join(dir, "libonnxruntime.so.1"),
		filepath.Join(dir, "libonnxruntime.so"),
		filepath.Join(dir, "bin", "napi-v6", "linux", "x64", "libonnxruntime.so.1"),
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			return c
		}
	}
	return candidates[0]
}

// Open loads the ONNX Runtime library (once per process) and returns a handle on its
// environment. A second Open with a different library path than the one already loaded
// is an error: a process can hold only one ONNX Runtime.
func Open(cfg Config, log zerolog.Logger) (*Runtime, error) {
	path := cfg.LibraryPath
	if path == "" {
		path = DefaultLibraryPath()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("ONNX Runtime library path %q: %w", path, err)
	}
	if err := CheckFile(abs, "ONNX Runtime library"); err != nil {
		return nil, err
	}
	env.mu.Lock()
	defer env.mu.Unlock()
	if env.refs > 0 {
		if env.path != abs {
			return nil, fmt.Errorf("ONNX Runtime is already loaded from %s in this process; cannot also load %s", env.path, abs)
		}
		if env.cudaProvider != cfg.CUDAProvider {
			return nil, fmt.Errorf("ONNX Runtime is already loaded in this process with CUDA provider %q; cannot also use %q", env.cudaProvider, cfg.CUDAProvider)
		}
	} else {
		onnx.SetSharedLibraryPath(abs)
		// The bundled builds start a telemetry client when the environment is created, whatever
		// DisableTelemetry says afterwards: it leaves mat-debug-<pid>.log and .ses in the temp
		// folder of every process and a database under ~/.cache/Microsoft. This variable, read
		// at that moment, keeps it from starting.
		if _, set := os.LookupEnv("ORT_DISABLE_TELEMETRY"); !set {
			_ = os.Setenv("ORT_DISABLE_TELEMETRY", "1")
		}
		if err := onnx.InitializeEnvironment(); err != nil {
			return nil, fmt.Errorf("loading ONNX Runtime library %s: %w", abs, err)
		}
		// Builds with telemetry compiled in would otherwise try to send it.
		if err := onnx.DisableTelemetry(); err != nil {
			log.Debug().Err(err).Msg("ONNX Runtime telemetry could not be turned off")
		}
		env.path, env.version = abs, onnx.GetVersion()
		env.cudaProvider, env.cudaErr = cfg.CUDAProvider, nil
		if cfg.CUDAProvider != "" {
			if err := onnx.RegisterExecutionProviderLibrary(cudaRegistration, cfg.CUDAProvider); err != nil {
				env.cudaErr = fmt.Errorf("registering the CUDA provider %s: %w", cfg.CUDAProvider, err)
			}
		}
		log.Info().Str("library", abs).Str("version", env.version).Str("cuda_provider", cfg.CUDAProvider).Msg("ONNX Runtime loaded")
	}
	env.refs++
	return &Runtime{log: log, path: abs, version: env.version, cudaProvider: env.cudaProvider, cudaErr: env.cudaErr}, nil
}

// Close releases this handle; the last Close tears the environment down. Closing twice
// is a no-op.
func (r *Runtime) Close() error {
	var err error
	r.once.Do(func() {
		env.mu.Lock()
		defer env.mu.Unlock()
		env.refs--
		if env.refs == 0 {
			if env.cudaProvider != "" && env.cudaErr == nil {
				err = onnx.UnregisterExecutionProviderLibrary(cudaRegistration)
			}
			err = errors.Join(err, onnx.DestroyEnvironment())
			env.path, env.version, env.cudaProvider, env.cudaErr = "", "", "", nil
		}
	})
	return err
}

// Version is the loaded library's version string, e.g. "1.30.0".
func (r *Runtime) Version() string { return r.version }

// LibraryPath is the absolute path of the loaded library.
func (r *Runtime) LibraryPath() string { return r.path }

// CheckFile returns an error naming path, what it is and the setup command when path is
// missing, empty or not a regular file.
func CheckFile(path, what string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s %s does not exist: run `%s` to install it", what, path, SetupHint)
	case err != nil:
		return fmt.Errorf("%s %s: %w", what, path, err)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s %s is not a regular file: run `%s` to install it", what, path, SetupHint)
	case st.Size() == 0:
		return fmt.Errorf("%s %s is empty: run `%s` to install it again", what, path, SetupHint)
	}
	return nil
}
