package faces

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/stretchr/testify/require"
)

// dynamicFeature writes fr_feature.onnx with a dynamic batch into a temporary folder and
// returns its embedder configuration.
func dynamicFeature(t testing.TB) EmbedderConfig {
	t.Helper()
	ec := FRFeature(testenv.ModelsDir(t))
	out := filepath.Join(t.TempDir(), "fr_feature_dynamic.onnx")
	makeDynamicBatch(t, ec.Model, out)
	ec.Model, ec.Version = out, "frfeat-dyn-v1"
	return ec
}

// TestDynamicBatchModelMatchesSingleRuns runs eight different inputs as one batch and one
// by one on the patched model.
func TestDynamicBatchModelMatchesSingleRuns(t *testing.T) {
	t.Parallel()
	ec := dynamicFeature(t)
	rt := runtimeFor(t)
	s, err := rt.NewSession(ec.Model, ort.SessionConfig{CUDADevice: ort.CPU, IntraOpThreads: 1})
	require.NoError(t, err)
	defer s.Close()
	require.True(t, s.DynamicBatch())
	require.Equal(t, []int64{-1, 3, 112, 112}, s.Inputs()[0].Shape)
	require.Equal(t, []int64{-1, 512}, s.Outputs()[0].Shape)

	const n, item = 8, 3 * 112 * 112
	in, err := ort.NewTensor(n, 3, 112, 112)
	require.NoError(t, err)
	defer in.Close()
	out, err := ort.NewTensor(n, 512)
	require.NoError(t, err)
	defer out.Close()
	r := rand.New(rand.NewPCG(5, 6))
	for i := range in.Data() {
		in.Data()[i] = r.Float32()*2 - 1
	}
	require.NoError(t, s.Run([]*ort.Tensor{in}, []*ort.Tensor{out}))

	one, err := ort.NewTensor(1, 3, 112, 112)
	require.NoError(t, err)
	defer one.Close()
	oneOut, err := ort.NewTensor(1, 512)
	require.NoError(t, err)
	defer oneOut.Close()
	for i := range n {
		copy(one.Data(), in.Data()[i*item:(i+1)*item])
		require.NoError(t, s.Run([]*ort.Tensor{one}, []*ort.Tensor{oneOut}))
		require.InDeltaSlice(t, oneOut.Data(), out.Data()[i*512:(i+1)*512], 1e-4, "item %d", i)
	}
}

// TestPipelineBatchesADynamicEmbedder: with the patched model, concurrent calls go through
// the batcher and give the embeddings the fixed-batch model gives.
func TestPipelineBatchesADynamicEmbedder(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig(testenv.ModelsDir(t))
	cfg.Embedder = dynamicFeature(t)
	p := newPipeline(t, cfg)
	require.True(t, p.emb.dynamic)
	require.Equal(t, cfg.Version(), p.ModelVersion())
	require.True(t, strings.HasPrefix(p.ModelVersion(), "frfeat-dyn-v1-"), p.ModelVersion())

	fixed := defaultPipeline(t)
	ctx := context.Background()
	k := keyframes(t)
	paths := []string{testenv.Sample(t, "astronaut.png"), testenv.Sample(t, "messi5.jpg"), k[1], k[2]}
	want := map[string]*Result{}
	for _, path := range paths {
		res, err := fixed.ProcessFile(ctx, path)
		require.NoError(t, err)
		want[path] = res
	}
	var wg sync.WaitGroup
	errs := make([]error, 16)
	results := make([]*Result, 16)
	for i := range 16 {
		wg.Go(func() { results[i], errs[i] = p.ProcessFile(ctx, paths[i%len(paths)]) })
	}
	wg.Wait()
	for i := range 16 {
		require.NoError(t, errs[i])
		w := want[paths[i%len(paths)]]
		require.Len(t, results[i].Faces, len(w.Faces))
		for j := range w.Faces {
			require.Greater(t, Cosine(w.Faces[j].Embedding, results[i].Faces[j].Embedding), float32(0.9999))
			require.Equal(t, p.ModelVersion(), results[i].Faces[j].ModelVersion)
		}
	}
}
