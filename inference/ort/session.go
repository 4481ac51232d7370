package ort

import (
	"fmt"
	"slices"
	"strconv"

	onnx "github.com/yalue/onnxruntime_go"
)

// CPU is the SessionConfig.CUDADevice value that runs a session on the CPU.
const CPU = -1

// SessionConfig says how a session runs.
type SessionConfig struct {
	// IntraOpThreads is the number of threads one Run may use; 0 lets ONNX Runtime choose
	// (one per core). With more than one, idle pool threads sleep instead of spinning: on
	// a 2-core machine shared with other sessions and goroutines, spinning made 2-thread
	// runs four times slower than 1-thread runs.
	IntraOpThreads int
	// CUDADevice is the CUDA device id to run on; CPU (-1) or any negative value runs on the
	// CPU. Note that the zero value asks for CUDA device 0.
	CUDADevice int
	// RequireGPU turns a CUDA device that cannot be used into an error instead of a
	// fallback to the CPU.
	RequireGPU bool
	// Inputs and Outputs name the model inputs fed and outputs read by Run, in Run's order;
	// empty means all of them in the model's order.
	Inputs, Outputs []string
}

// IOInfo describes one model input or output. Shape holds -1 for a symbolic or
// unknown dimension (e.g. a dynamic batch).
type IOInfo struct {
	Name  string
	Shape []int64
}

// Session is one loaded model. Run is safe for concurrent use by several goroutines
// (ONNX Runtime sessions are), as long as each call has its own tensors.
type Session struct {
	path     string
	sess     *onnx.DynamicAdvancedSession
	inputs   []IOInfo
	outputs  []IOInfo
	provider string
}

// NewSession loads the model at path. A missing model file is an error naming the path
// and the setup command.
func (r *Runtime) NewSession(path string, cfg SessionConfig) (*Session, error) {
	if err := CheckFile(path, "ONNX model"); err != nil {
		return nil, err
	}
	ins, outs, err := onnx.GetInputOutputInfo(path)
	if err != nil {
		return nil, fmt.Errorf("reading ONNX model %s: %w", path, err)
	}
	inputs, err := pick(path, "input", ins, cfg.Inputs)
	if err != nil {
		return nil, err
	}
	outputs, err := pick(path, "output", outs, cfg.Outputs)
	if err != nil {
		return nil, err
	}
	s := &Session{path: path, inputs: inputs, outputs: outputs}
	s.sess, s.provider, err = r.create(path, names(inputs), names(outputs), cfg)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// create makes the session on the asked provider, falling back to the CPU as configured.
func (r *Runtime) create(path string, in, out []string, cfg SessionConfig) (*onnx.DynamicAdvancedSession, string, error) {
	if cfg.CUDADevice >= 0 {
		sess, err := r.createOn(path, in, out, cfg.IntraOpThreads, cfg.CUDADevice)
		if err == nil {
			return sess, "CUDA:" + strconv.Itoa(cfg.CUDADevice), nil
		}
		if cfg.RequireGPU {
			return nil, "", fmt.Errorf("CUDA device %d was asked for and a GPU is required, but ONNX Runtime %s could not use it for %s: %w",
				cfg.CUDADevice, r.version, path, err)
		}
		r.cudaWarn.Do(func() {
			r.log.Warn().Err(err).Int("cuda_device", cfg.CUDADevice).Str("library", r.path).
				Msg("CUDA execution provider unavailable; running ONNX models on the CPU (set RequireGPU to make this an error)")
		})
	}
	sess, err := r.createOn(path, in, out, cfg.IntraOpThreads, CPU)
	if err != nil {
		return nil, "", err
	}
	return sess, "CPU", nil
}

func (r *Runtime) createOn(path string, in, out []string, threads, device int) (*onnx.DynamicAdvancedSession, error) {
	opts, err := onnx.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("creating session options: %w", err)
	}
	defer opts.Destroy()
	if threads > 0 {
		if err := opts.SetIntraOpNumThreads(threads); err != nil {
			return nil, fmt.Errorf("setting %d intra-op threads: %w", threads, err)
		}
	}
	if threads != 1 {
		// Idle pool threads that spin steal the cores other sessions and goroutines need.
		if err := opts.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
			return nil, fmt.Errorf("turning off thread spinning: %w", err)
		}
	}
	if device >= 0 {
		if err := r.appendCUDA(opts, device); err != nil {
			return nil, err
		}
	}
	sess, err := onnx.NewDynamicAdvancedSession(path, in, out, opts)
	if err != nil {
		return nil, fmt.Errorf("loading ONNX model %s: %w", path, err)
	}
	return sess, nil
}

// appendCUDA adds the CUDA execution provider on device: the registered provider library of
// the GPU build when there is one, else the CUDA entry point built into the loaded library.
func (r *Runtime) appendCUDA(opts *onnx.SessionOptions, device int) error {
	if r.cudaProvider != "" {
		if r.cudaErr != nil {
			return r.cudaErr
		}
		return appendEPDevice(r.path, opts, cudaEP, strconv.Itoa(device))
	}
	cuda, err := onnx.NewCUDAProviderOptions()
	if err != nil {
		return fmt.Errorf("CUDA provider options: %w", err)
	}
	defer cuda.Destroy()
	if err := cuda.Update(map[string]string{"device_id": strconv.Itoa(device)}); err != nil {
		return fmt.Errorf("CUDA device_id %d: %w", device, err)
	}
	if err := opts.AppendExecutionProviderCUDA(cuda); err != nil {
		return fmt.Errorf("appending the CUDA execution provider: %w", err)
	}
	return nil
}

// pick returns the infos named in want (all when want is empty), or an error listing what
// the model has.
func pick(path, kind string, all []onnx.InputOutputInfo, want []string) ([]IOInfo, error) {
	infos := make([]IOInfo, len(all))
	for i, a := range all {
		infos[i] = IOInfo{Name: a.Name, Shape: slices.Clone([]int64(a.Dimensions))}
	}
	if len(want) == 0 {
		return infos, nil
	}
	out := make([]IOInfo, 0, len(want))
	for _, w := range want {
		i := slices.IndexFunc(infos, func(x IOInfo) bool { return x.Name == w })
		if i < 0 {
			return nil, fmt.Errorf("ONNX model %s has no %s named %q (it has %v)", path, kind, w, names(infos))
		}
		out = append(out, infos[i])
	}
	return out, nil
}

func names(infos []IOInfo) []string {
	n := make([]string, len(infos))
	for i, x := range infos {
		n[i] = x.Name
	}
	return n
}

// Run feeds inputs (in the session's input order) and fills outputs (in its output order).
func (s *Session) Run(inputs, outputs []*Tensor) error {
	in := make([]onnx.Value, len(inputs))
	for i, t := range inputs {
		in[i] = t.t
	}
	out := make([]onnx.Value, len(outputs))
	for i, t := range outputs {
		out[i] = t.t
	}
	if err := s.sess.Run(in, out); err != nil {
		return fmt.Errorf("running %s: %w", s.path, err)
	}
	return nil
}

// Inputs describes the inputs Run takes, in order.
func (s *Session) Inputs() []IOInfo { return s.inputs }

// Outputs describes the outputs Run fills, in order.
func (s *Session) Outputs() []IOInfo { return s.outputs }

// Provider is where the session runs: "CPU" or "CUDA:<id>".
func (s *Session) Provider() string { return s.provider }

// Path is the model file.
func (s *Session) Path() string { return s.path }

// DynamicBatch reports whether dimension 0 of every input is symbolic, so one Run may carry
// several items.
func (s *Session) DynamicBatch() bool {
	for _, in := range s.inputs {
		if len(in.Shape) == 0 || in.Shape[0] >= 0 {
			return false
		}
	}
	return len(s.inputs) > 0
}

// Close frees the session.
func (s *Session) Close() error {
	if s == nil || s.sess == nil {
		return nil
	}
	err := s.sess.Destroy()
	s.sess = nil
	return err
}
