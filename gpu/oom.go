package gpu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/rs/zerolog"
)

// ErrCUDAOutOfMemory marks an error as a CUDA out-of-memory failure; [IsCUDAOutOfMemory] also
// recognises the texts CUDA, cuBLAS, cuDNN and ONNX Runtime use. It is transient.
var ErrCUDAOutOfMemory = errors.New("CUDA out of memory")

// oomTexts are lower-cased fragments of out-of-memory messages:
// ONNX Runtime's arena ("...BFCArena::AllocateRawInternal ... Failed to allocate memory for
// requested buffer of size N", "Available memory of N is smaller than requested bytes of M"),
// its CUDA call checks ("CUDA failure 2: out of memory ; GPU=0 ; ... expr=cudaMalloc(...)",
// "CUDA error cudaErrorMemoryAllocation:out of memory"), cuBLAS/cuDNN
// (CUBLAS_STATUS_ALLOC_FAILED, CUDNN_STATUS_ALLOC_FAILED) and servers built on PyTorch
// ("CUDA out of memory. Tried to allocate ...").
var oomTexts = []string{
	"cuda out of memory",
	"cudaerrormemoryallocation",
	"cuda failure 2: out of memory",
	"cuda_error_out_of_memory",
	"cublas_status_alloc_failed",
	"cudnn_status_alloc_failed",
	"failed to allocate memory for requested buffer",
	"is smaller than requested bytes",
}

// IsCUDAOutOfMemory reports whether err (or anything it wraps) is a GPU out-of-memory failure.
func IsCUDAOutOfMemory(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrCUDAOutOfMemory) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, t := range oomTexts {
		if strings.Contains(msg, t) {
			return true
		}
	}
	// "CUDA error 2: out of memory", "cudaMalloc ... out of memory" and similar.
	return strings.Contains(msg, "out of memory") && strings.Contains(msg, "cuda")
}

// ErrSessionLost means an inference session could not be rebuilt after an out-of-memory failure:
// the process cannot run that model any more until it restarts. Errors of [Recoverer.Do] match
// it when its rebuild fails.
var ErrSessionLost = errors.New("the inference session could not be rebuilt")

// Recoverer gets a task through a GPU out-of-memory failure: when the task's run fails with one,
// it calls recreate (which drops the inference session and builds a new one, giving its memory
// back) and runs the task once more. When several tasks sharing one session hit the same OOM,
// the session is rebuilt once: a task whose run started before the latest rebuild just retries.
// recreate must make the swap safe for runs still using the old session (for instance a
// sync.RWMutex around the session pointer). Tasks that enter Do while a rebuild is in progress
// wait for it. Safe for concurrent use.
type Recoverer struct {
	log      zerolog.Logger
	recreate func(ctx context.Context) error
	mu       sync.Mutex // held while recreating
	gen      uint64     // bumped by every successful recreate
}

// NewRecoverer returns a Recoverer that rebuilds sessions with recreate.
func NewRecoverer(log zerolog.Logger, recreate func(ctx context.Context) error) *Recoverer {
	return &Recoverer{log: log, recreate: recreate}
}

// Do runs run; after an out-of-memory failure it rebuilds the session (unless another task
// already did since run started) and runs it once more. A second OOM is returned wrapped so that
// it matches [ErrCUDAOutOfMemory] (transient: requeue the task). Other errors pass through.
func (r *Recoverer) Do(ctx context.Context, run func(ctx context.Context) error) error {
	gen := r.generation()
	err := run(ctx)
	if !IsCUDAOutOfMemory(err) {
		return err
	}
	if err := r.recover(ctx, gen, err); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err = run(ctx)
	if IsCUDAOutOfMemory(err) && !errors.Is(err, ErrCUDAOutOfMemory) {
		return fmt.Errorf("%w again after rebuilding the session: %w", ErrCUDAOutOfMemory, err)
	}
	return err
}

// Recreations counts the session rebuilds done so far.
func (r *Recoverer) Recreations() uint64 { return r.generation() }

func (r *Recoverer) generation() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gen
}

// recover rebuilds the session unless a rebuild finished after generation gen was seen.
func (r *Recoverer) recover(ctx context.Context, gen uint64, cause error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gen != gen {
		return nil
	}
	r.log.Warn().Err(cause).Msg("GPU out of memory: rebuilding the inference session and retrying the task")
	if err := r.recreate(ctx); err != nil {
		return fmt.Errorf("%w after a GPU out-of-memory failure (%v): %w", ErrSessionLost, cause, err)
	}
	r.gen++
	return nil
}
