package faces

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVersionFollowsWhatShapesResults: every setting that changes what is stored changes
// the version; settings that change only speed, memory or where things are do not.
func TestVersionFollowsWhatShapesResults(t *testing.T) {
	t.Parallel()
	base := DefaultConfig("/models")
	v := base.Version()
	require.Regexp(t, `^frfeat-v1-[0-9a-f]{6}$`, v)
	shaping := map[string]func(c *Config){
		"score_threshold": func(c *Config) { c.ScoreThreshold = 0.8 },
		"nms_iou":         func(c *Config) { c.NMSIoU = 0.5 },
		"min_face_px":     func(c *Config) { c.MinFacePx = 32 },
		"single pass":     func(c *Config) { c.MinFacePx = 0 },
		"min face size":   func(c *Config) { c.MinFaceSize = 30 },
		"check off":       func(c *Config) { c.Check = CheckConfig{} },
		"mirror gap":      func(c *Config) { c.Check.MaxMirrorGap = 0.08 },
		"box agreement":   func(c *Config) { c.Check.MinBoxAgreement = 0.6 },
		"embedding norm":  func(c *Config) { c.Check.MinEmbeddingNorm = 1.5 },
		"embedder":        func(c *Config) { c.Embedder = LVFace("/m/lvface.onnx", "output", "lvface-b1") },
		"embedder mean":   func(c *Config) { c.Embedder.Mean = [3]float32{127.5, 127.5, 127.5} },
	}
	seen := map[string]string{v: "defaults"}
	for name, change := range shaping {
		c := DefaultConfig("/models")
		change(&c)
		got := c.Version()
		require.NotContains(t, seen, got, "%s gives the version of %s", name, seen[got])
		seen[got] = name
	}
	neutral := map[string]func(c *Config){
		"threads":       func(c *Config) { c.IntraOpThreads = 2 },
		"batch":         func(c *Config) { c.Batch.MaxBatch = 16 },
		"max pixels":    func(c *Config) { c.MaxPixels = 50_000_000 },
		"decode budget": func(c *Config) { c.DecodeBudget = 1 << 30 },
		"models dir":    func(c *Config) { *c = DefaultConfig("/elsewhere") },
		"device":        func(c *Config) { c.CUDADevice = 0 },
	}
	for name, change := range neutral {
		c := DefaultConfig("/models")
		change(&c)
		require.Equal(t, v, c.Version(), name)
	}
}
