package worker

import (
	"context"
	"sync"

	"github.com/mediafleet/mediafleet/inference/faces"
)

// FacePipeline is a face pipeline that can be closed (faces.Pipeline is one).
type FacePipeline interface {
	FaceFinder
	Close() error
}

// SwappableFaces holds the face pipeline behind a lock so it can be rebuilt after a CUDA
// out-of-memory error: Rebuild drops the old sessions (giving their GPU memory back) once the
// runs still using them end, and builds new ones.
type SwappableFaces struct {
	mu    sync.RWMutex
	p     FacePipeline
	build func() (FacePipeline, error)
}

// NewSwappableFaces builds the first pipeline with build.
func NewSwappableFaces(build func() (FacePipeline, error)) (*SwappableFaces, error) {
	p, err := build()
	if err != nil {
		return nil, err
	}
	return &SwappableFaces{p: p, build: build}, nil
}

// ProcessFile runs the current pipeline.
func (s *SwappableFaces) ProcessFile(ctx context.Context, path string) (*faces.Result, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.p.ProcessFile(ctx, path)
}

// Rebuild closes the current pipeline and builds a new one.
func (s *SwappableFaces) Rebuild(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.p.Close(); err != nil {
		return err
	}
	p, err := s.build()
	if err != nil {
		return err
	}
	s.p = p
	return nil
}

// Close closes the current pipeline.
func (s *SwappableFaces) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p.Close()
}
