package faces

import "sync"

// pool keeps up to cap(free) reusable sets of ONNX tensors. sync.Pool would drop them
// without freeing their native memory, so this bounded free list closes what it cannot keep.
type pool[T any] struct {
	free     chan T
	make     func() (T, error)
	close    func(T)
	mu       sync.Mutex
	shutdown bool
}

func newPool[T any](size int, mk func() (T, error), cl func(T)) *pool[T] {
	return &pool[T]{free: make(chan T, size), make: mk, close: cl}
}

func (p *pool[T]) get() (T, error) {
	select {
	case v := <-p.free:
		return v, nil
	default:
		return p.make()
	}
}

func (p *pool[T]) put(v T) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shutdown {
		p.close(v)
		return
	}
	select {
	case p.free <- v:
	default:
		p.close(v)
	}
}

// drain closes every kept value; values put back later are closed at once.
func (p *pool[T]) drain() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shutdown = true
	for {
		select {
		case v := <-p.free:
			p.close(v)
		default:
			return
		}
	}
}
