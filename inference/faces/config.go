package faces

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mediafleet/mediafleet/inference/ort"
)

// ChannelOrder is the colour order an embedding model expects.
type ChannelOrder string

// The channel orders an EmbedderConfig may name.
const (
	RGB ChannelOrder = "RGB"
	BGR ChannelOrder = "BGR"
)

// EmbedderConfig describes a face-embedding model that takes aligned square crops (the
// ArcFace five-point template scaled to InputSize) in NCHW float32 and returns one vector
// per face. Its batch dimension may be fixed at 1 or dynamic (-1 or symbolic); a dynamic
// one is fed through the micro-batcher.
type EmbedderConfig struct {
	Model        string       // path of the .onnx file
	InputName    string       // e.g. "input" or "data"
	OutputName   string       // e.g. "output"
	InputSize    int          // side of the square crop, e.g. 112
	ChannelOrder ChannelOrder // RGB or BGR
	// Mean and Std normalise each channel (in the model's channel order) from 0-255 pixel
	// values: (v - Mean) / Std. (x-127)/128 is Mean 127, Std 128; (x/255-0.5)/0.5 is
	// Mean 127.5, Std 127.5.
	Mean, Std [3]float32
	Dim       int    // embedding length, e.g. 512
	Version   string // recorded with every embedding, e.g. "frfeat-v1"; change it when the model or pipeline changes
}

// FRFeature is the default embedder: faceplugin's fr_feature.onnx in modelsDir (input
// "input" [1,3,112,112] RGB (x-127)/128, output "output" [1,512]).
func FRFeature(modelsDir string) EmbedderConfig {
	return EmbedderConfig{
		Model: filepath.Join(modelsDir, "fr_feature.onnx"), InputName: "input", OutputName: "output",
		InputSize: 112, ChannelOrder: RGB, Mean: [3]float32{127, 127, 127}, Std: [3]float32{128, 128, 128},
		Dim: 512, Version: "frfeat-v1",
	}
}

// LVFace is the LVFace-B contract: input "data" with a dynamic batch, 3x112x112 RGB,
// (x/255-0.5)/0.5, a 512-d output named output.
func LVFace(model, output, version string) EmbedderConfig {
	return EmbedderConfig{
		Model: model, InputName: "data", OutputName: output,
		InputSize: 112, ChannelOrder: RGB, Mean: [3]float32{127.5, 127.5, 127.5}, Std: [3]float32{127.5, 127.5, 127.5},
		Dim: 512, Version: version,
	}
}

// BatchConfig tunes the micro-batcher that groups faces from concurrent calls into one
// inference run when the embedding model's batch dimension is dynamic.
type BatchConfig struct {
	MaxBatch int           // most faces per run; 0 means 8
	MaxWait  time.Duration // longest a face waits for others to join its batch; 0 means 5ms
	// OnBatch, when set, is told the size of every embedding run (1 for a fixed-batch model),
	// for metrics. It is called from the running goroutine and must be quick.
	OnBatch func(size int)
}

// CheckConfig is the second check every detection passes before it is embedded and
// stored, so that an animal's face or an object that looks like a face is not stored as a
// person's: the landmark model must follow the face the detector saw (the same points on
// the face and on its mirror image; the box the points imply overlapping the detector's),
// and the embedding model must see a face in the aligned crop (its vector long enough). A
// zero threshold turns that part off. The thresholds were chosen on the labelled set of
// package faceeval: human faces (also on posters and in group photos) pass, the cat, dog
// and baboon faces there do not.
type CheckConfig struct {
	// MaxMirrorGap is the largest mean distance, as a share of the landmark crop's side,
	// between the points found on the crop and on its mirror image.
	MaxMirrorGap float32
	// MinBoxAgreement is the least overlap (IoU) between the detector's box and the box
	// the landmarks imply.
	MinBoxAgreement float32
	// MinEmbeddingNorm is the least length of the embedding model's raw vector; it depends
	// on the model (fr_feature's human faces measure 2.3 to 4).
	MinEmbeddingNorm float32
}

// landmarksAgree is the landmark part of the check.
func (c CheckConfig) landmarksAgree(gap, agreement float32) bool {
	return (c.MaxMirrorGap <= 0 || gap <= c.MaxMirrorGap) && (c.MinBoxAgreement <= 0 || agreement >= c.MinBoxAgreement)
}

// DefaultCheck is the second check measured on the evaluation set with fr_feature.
func DefaultCheck() CheckConfig {
	return CheckConfig{MaxMirrorGap: 0.06, MinBoxAgreement: 0.7, MinEmbeddingNorm: 2}
}

// Config configures a Pipeline. Zero thresholds and limits mean their defaults; start from
// DefaultConfig.
type Config struct {
	Detector  string // path of fr_detect.onnx
	Landmarks string // path of fr_landmark.onnx
	Embedder  EmbedderConfig

	ScoreThreshold float32 // detector score a face needs; 0 means 0.7
	NMSIoU         float32 // overlap above which the weaker of two boxes is dropped; 0 means 0.4
	MinFaceSize    int     // faces narrower or shorter than this (image pixels) are dropped; 0 means 20
	MaxPixels      int64   // images whose header declares more pixels are refused; 0 means 100 MP
	// MinFacePx is the smallest face side, in the photo's own pixels, that detection must
	// find: the detector runs over overlapping tiles of an image pyramid whose finest level
	// shows such a face at the size the detector finds reliably. 0 runs one pass over the
	// whole image scaled to the detector's input (fast; finds faces down to about a
	// fifteenth of the image's height).
	MinFacePx int
	// DecodeBudget is the memory, in bytes, that decoding may hold at once in this process,
	// shared by all concurrent calls; an image that could never fit is refused as too
	// large. 0 means DefaultDecodeBudget.
	DecodeBudget int64
	// Check is the second check on every detection; its zero value checks nothing.
	Check CheckConfig

	// IntraOpThreads is the threads each model run may use; 0 lets ONNX Runtime use every
	// core. With several images in flight at once, 1 gives the best throughput.
	IntraOpThreads int
	// CUDADevice runs the models on that CUDA device; ort.CPU (-1) runs them on the CPU.
	// The zero value asks for device 0. A device that cannot be used falls back to the CPU
	// with a warning unless RequireGPU is set.
	CUDADevice int
	RequireGPU bool

	Batch BatchConfig
}

// DefaultConfig is the faceplugin pipeline with the models in modelsDir, on the CPU.
func DefaultConfig(modelsDir string) Config {
	return Config{
		Detector:       filepath.Join(modelsDir, "fr_detect.onnx"),
		Landmarks:      filepath.Join(modelsDir, "fr_landmark.onnx"),
		Embedder:       FRFeature(modelsDir),
		ScoreThreshold: 0.7,
		NMSIoU:         0.4,
		MinFaceSize:    20,
		MaxPixels:      100_000_000,
		MinFacePx:      48,
		DecodeBudget:   DefaultDecodeBudget,
		Check:          DefaultCheck(),
		IntraOpThreads: 1,
		CUDADevice:     ort.CPU,
		Batch:          BatchConfig{MaxBatch: 8, MaxWait: 5 * time.Millisecond},
	}
}

// withDefaults fills zero thresholds and limits.
func (c Config) withDefaults() Config {
	c.ScoreThreshold = cmp.Or(c.ScoreThreshold, 0.7)
	c.NMSIoU = cmp.Or(c.NMSIoU, 0.4)
	c.MinFaceSize = cmp.Or(c.MinFaceSize, 20)
	c.MaxPixels = cmp.Or(c.MaxPixels, 100_000_000)
	c.DecodeBudget = cmp.Or(c.DecodeBudget, DefaultDecodeBudget)
	c.Batch.MaxBatch = cmp.Or(c.Batch.MaxBatch, 8)
	c.Batch.MaxWait = cmp.Or(c.Batch.MaxWait, 5*time.Millisecond)
	return c
}

// Validate reports every setting that cannot work, after defaults are applied.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Detector == "" {
		bad("faces: Detector model path is empty")
	}
	if c.Landmarks == "" {
		bad("faces: Landmarks model path is empty")
	}
	if c.ScoreThreshold <= 0 || c.ScoreThreshold > 1 {
		bad("faces: ScoreThreshold %v is outside (0, 1]", c.ScoreThreshold)
	}
	if c.NMSIoU <= 0 || c.NMSIoU > 1 {
		bad("faces: NMSIoU %v is outside (0, 1]", c.NMSIoU)
	}
	if c.MinFaceSize < 0 || c.MaxPixels < 0 || c.MinFacePx < 0 || c.DecodeBudget < 0 || c.IntraOpThreads < 0 || c.Batch.MaxBatch < 0 || c.Batch.MaxWait < 0 {
		bad("faces: MinFaceSize, MaxPixels, MinFacePx, DecodeBudget, IntraOpThreads and Batch settings must not be negative")
	}
	e := c.Embedder
	if e.Model == "" || e.InputName == "" || e.OutputName == "" {
		bad("faces: Embedder needs Model, InputName and OutputName (got %q, %q, %q)", e.Model, e.InputName, e.OutputName)
	}
	if e.InputSize < 16 || e.Dim <= 0 {
		bad("faces: Embedder InputSize %d and Dim %d must be positive (InputSize at least 16)", e.InputSize, e.Dim)
	}
	if e.ChannelOrder != RGB && e.ChannelOrder != BGR {
		bad("faces: Embedder ChannelOrder %q is neither RGB nor BGR", e.ChannelOrder)
	}
	for k, s := range e.Std {
		if s == 0 {
			bad("faces: Embedder Std[%d] is 0", k)
		}
	}
	if e.Version == "" {
		bad("faces: Embedder Version is empty; it is stored with every embedding")
	}
	return errors.Join(errs...)
}

// poolSize is how many sets of tensors each model keeps for reuse.
func (c Config) poolSize() int { return max(4, 2*runtime.GOMAXPROCS(0)) }
