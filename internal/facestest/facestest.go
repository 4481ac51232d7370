// Package facestest opens the real face pipeline for tests outside inference/faces.
package facestest

import (
	"testing"

	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// Pipeline opens ONNX Runtime and the face pipeline with the default settings on the models
// the setup task fetched; both are closed when the test ends. A missing library or model
// fails the test with how to get it.
func Pipeline(t testing.TB) *faces.Pipeline {
	t.Helper()
	rt, err := ort.Open(ort.Config{LibraryPath: testenv.ORTLib(t)}, zerolog.Nop())
	if err != nil {
		t.Fatalf("opening ONNX Runtime: %v", err)
	}
	t.Cleanup(func() { rt.Close() })
	p, err := faces.New(rt, faces.DefaultConfig(testenv.ModelsDir(t)), zerolog.Nop())
	if err != nil {
		t.Fatalf("loading the face models: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
