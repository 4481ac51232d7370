package gpu

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

func TestIsCUDAOutOfMemory(t *testing.T) {
	t.Parallel()
	for _, msg := range []string{
		"Error running network: [ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while running Conv node. Name:'Conv_0' Status Message: /onnxruntime_src/onnxruntime/core/framework/bfc_arena.cc:376 void* onnxruntime::BFCArena::AllocateRawInternal(size_t, bool, onnxruntime::Stream*, bool, onnxruntime::WaitNotificationFn) Failed to allocate memory for requested buffer of size 939524096",
		"CUDA failure 2: out of memory ; GPU=0 ; hostname=gpu1 ; file=/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_allocator.cc ; line=47 ; expr=cudaMalloc((void**)&p, size);",
		"CUDA error cudaErrorMemoryAllocation:out of memory",
		"CUBLAS failure 3: CUBLAS_STATUS_ALLOC_FAILED ; GPU=0",
		"CUDNN failure 2: CUDNN_STATUS_ALLOC_FAILED ; GPU=0",
		"Available memory of 0 is smaller than requested bytes of 67108864",
		`caption server: 500 {"detail":"CUDA out of memory. Tried to allocate 20.00 MiB"}`,
	} {
		require.True(t, IsCUDAOutOfMemory(errors.New(msg)), msg)
		require.True(t, IsCUDAOutOfMemory(fmt.Errorf("embedding faces in /photos/a.jpg: %w", errors.New(msg))), msg)
	}
	require.True(t, IsCUDAOutOfMemory(fmt.Errorf("batch 3: %w", ErrCUDAOutOfMemory)))
	for _, err := range []error{
		nil,
		errors.New("context deadline exceeded"),
		errors.New("open /photos/a.jpg: no such file or directory"),
		errors.New("std::bad_alloc"),
		errors.New("CUDA failure 100: no CUDA-capable device is detected"),
		ErrInsufficientVRAM,
	} {
		require.False(t, IsCUDAOutOfMemory(err), "%v", err)
	}
}

var errOOM = errors.New("CUDA failure 2: out of memory ; GPU=0 ; expr=cudaMalloc((void**)&p, size);")

// session stands for an inference session that runs out of memory until it is rebuilt.
type session struct {
	mu      sync.RWMutex
	version int
	runs    atomic.Int64
}

func (s *session) recreate(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	return nil
}

func TestRecovererRebuildsOnceAndRetries(t *testing.T) {
	t.Parallel()
	s := &session{}
	r := NewRecoverer(zerolog.Nop(), s.recreate)

	err := r.Do(context.Background(), func(context.Context) error {
		s.runs.Add(1)
		s.mu.RLock()
		defer s.mu.RUnlock()
		if s.version == 0 {
			return fmt.Errorf("embedding a face: %w", errOOM)
		}
		return nil
	})

	require.NoError(t, err)
	require.Equal(t, 1, s.version, "the session was rebuilt once")
	require.Equal(t, uint64(1), r.Recreations())
	require.Equal(t, int64(2), s.runs.Load(), "the task ran twice")
}

func TestRecovererSecondOOMIsTransient(t *testing.T) {
	t.Parallel()
	s := &session{}
	r := NewRecoverer(zerolog.Nop(), s.recreate)

	err := r.Do(context.Background(), func(context.Context) error { s.runs.Add(1); return errOOM })

	require.ErrorIs(t, err, ErrCUDAOutOfMemory)
	require.ErrorIs(t, err, errOOM)
	require.Equal(t, 1, s.version)
	require.Equal(t, int64(2), s.runs.Load(), "one retry, not a loop")
}

func TestRecovererLeavesOtherErrorsAlone(t *testing.T) {
	t.Parallel()
	s := &session{}
	r := NewRecoverer(zerolog.Nop(), s.recreate)
	bad := errors.New("decoding /photos/a.jpg: not a JPEG")

	err := r.Do(context.Background(), func(context.Context) error { s.runs.Add(1); return bad })

	require.ErrorIs(t, err, bad)
	require.Zero(t, s.version)
	require.Equal(t, int64(1), s.runs.Load())
}

func TestRecovererReportsFailedRebuild(t *testing.T) {
	t.Parallel()
	gone := errors.New("open fr_feature.onnx: no such file")
	r := NewRecoverer(zerolog.Nop(), func(context.Context) error { return gone })
	var runs int
	err := r.Do(context.Background(), func(context.Context) error { runs++; return errOOM })
	require.ErrorIs(t, err, gone)
	require.ErrorIs(t, err, ErrSessionLost, "the worker stops serving the queue on this error")
	require.Contains(t, err.Error(), "out of memory")
	require.Equal(t, 1, runs)
	require.Zero(t, r.Recreations())
}

func TestRecovererRebuildsOnceForTasksThatFailedTogether(t *testing.T) {
	t.Parallel()
	const tasks = 8
	s := &session{}
	r := NewRecoverer(zerolog.Nop(), s.recreate)
	var started sync.WaitGroup
	started.Add(tasks)
	allStarted := make(chan struct{})
	go func() { started.Wait(); close(allStarted) }()

	var wg sync.WaitGroup
	for range tasks {
		wg.Go(func() {
			first := true
			err := r.Do(context.Background(), func(context.Context) error {
				if first { // every task is inside its first run before any fails
					first = false
					started.Done()
					<-allStarted
				}
				s.mu.RLock()
				defer s.mu.RUnlock()
				if s.version == 0 {
					return errOOM
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, s.version, "one rebuild for one shared OOM")
	require.Equal(t, uint64(1), r.Recreations())
}
