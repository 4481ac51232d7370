package faces

import (
	"path/filepath"
	"testing"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

func TestValidateNamesEveryProblem(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig("/models")
	require.NoError(t, cfg.Validate())
	require.NoError(t, Config{Detector: "d", Landmarks: "l", Embedder: FRFeature("/m")}.Validate(), "zero thresholds take defaults")

	cfg.ScoreThreshold = 1.5
	cfg.Embedder.ChannelOrder = "GBR"
	cfg.Embedder.Std[1] = 0
	cfg.Embedder.Version = ""
	cfg.Detector = ""
	err := cfg.Validate()
	for _, want := range []string{"ScoreThreshold 1.5", `ChannelOrder "GBR"`, "Std[1] is 0", "Version is empty", "Detector model path is empty"} {
		require.ErrorContains(t, err, want)
	}
}

func TestLVFaceContract(t *testing.T) {
	t.Parallel()
	ec := LVFace("/models/lvface.onnx", "output", "lvface-b-v1")
	require.Equal(t, "data", ec.InputName)
	require.Equal(t, RGB, ec.ChannelOrder)
	// (x/255 - 0.5) / 0.5 for x = 0, 255, 127.5
	for _, c := range []struct{ x, want float32 }{{0, -1}, {255, 1}, {127.5, 0}} {
		require.InDelta(t, c.want, (c.x-ec.Mean[0])/ec.Std[0], 1e-6)
	}
}

func TestNewWithMissingModelSaysHowToGetIt(t *testing.T) {
	t.Parallel()
	rt := runtimeFor(t)
	for _, which := range []string{"detector", "landmarks", "embedder"} {
		cfg := DefaultConfig(testenv.ModelsDir(t))
		missing := filepath.Join(t.TempDir(), which+".onnx")
		switch which {
		case "detector":
			cfg.Detector = missing
		case "landmarks":
			cfg.Landmarks = missing
		case "embedder":
			cfg.Embedder.Model = missing
		}
		_, err := New(rt, cfg, zerolog.Nop())
		require.ErrorContains(t, err, missing)
		require.ErrorContains(t, err, "go tool task setup")
	}
}

func TestNewRejectsAModelOfTheWrongShape(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig(testenv.ModelsDir(t))
	cfg.Embedder.Model = cfg.Landmarks // input [1,1,64,64], output [1,136]
	_, err := New(runtimeFor(t), cfg, zerolog.Nop())
	require.ErrorContains(t, err, "want input \"input\" [N,3,112,112]")

	cfg = DefaultConfig(testenv.ModelsDir(t))
	cfg.Embedder = LVFace(cfg.Embedder.Model, "output", "x") // fr_feature has no input "data"
	_, err = New(runtimeFor(t), cfg, zerolog.Nop())
	require.ErrorContains(t, err, `no input named "data"`)
}

func TestCosine(t *testing.T) {
	t.Parallel()
	require.InDelta(t, 1, Cosine([]float32{1, 2}, []float32{2, 4}), 1e-6)
	require.InDelta(t, -1, Cosine([]float32{1, 0}, []float32{-3, 0}), 1e-6)
	require.InDelta(t, 0, Cosine([]float32{1, 0}, []float32{0, 1}), 1e-6)
	require.Zero(t, Cosine([]float32{1}, []float32{1, 2}))
	require.Zero(t, Cosine([]float32{0, 0}, []float32{1, 2}))
}

func TestUmeyamaRecoversASimilarity(t *testing.T) {
	t.Parallel()
	want := similarity{a: 0.8, b: -0.3, tx: 12, ty: -5}
	var dst [5]Point
	for i, p := range arcFaceTemplate {
		dst[i] = want.apply(p)
	}
	got := umeyama(arcFaceTemplate, dst)
	require.InDelta(t, want.a, got.a, 1e-5)
	require.InDelta(t, want.b, got.b, 1e-5)
	require.InDelta(t, want.tx, got.tx, 1e-3)
	require.InDelta(t, want.ty, got.ty, 1e-3)
}
