package inference

import (
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/inference/captions"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/keyframes"
	"github.com/mediafleet/mediafleet/tasks"
)

// Versions names the model version of each kind of work under cfg, as the results of that work
// are keyed. A kind that cannot run under cfg (captions without a backend) is absent from
// versions and present in unavailable with the reason.
func Versions(cfg *configs.Config) (versions, unavailable map[tasks.Kind]string) {
	versions = map[tasks.Kind]string{
		tasks.Keyframes: Keyframes(cfg).ModelVersion(),
		tasks.Faces:     FacesVersion(cfg),
	}
	unavailable = map[tasks.Kind]string{}
	if v := CaptionsVersion(cfg); v != "" {
		versions[tasks.Captions] = v
	} else {
		unavailable[tasks.Captions] = "no caption backend configured (set captions.backend or MEDIAFLEET_CAPTION_BACKEND)"
	}
	return versions, unavailable
}

// Keyframes is the keyframe extractor that cfg describes.
func Keyframes(cfg *configs.Config) keyframes.Extractor {
	k := cfg.Keyframes
	return keyframes.Extractor{
		FFmpeg: k.FFmpeg, FFprobe: k.FFprobe, MinSpacing: k.MinSpacing, MaxFrames: k.MaxFrames,
		FallbackInterval: k.FallbackInterval, Timeout: k.Timeout, JPEGQuality: k.JPEGQuality,
	}
}

// FacesVersion is the version recorded with every face: the embedder's version and a digest
// of every setting that changes what is stored (faces.Config.Version).
func FacesVersion(cfg *configs.Config) string { return Faces(cfg).Version() }

// CaptionsVersion names the caption backend, model and the prompt settings (a new prompt is a
// new version); empty when no backend is configured.
func CaptionsVersion(cfg *configs.Config) string {
	if cfg.Captions.Backend == "" {
		return ""
	}
	return Captions(cfg).Version()
}

// Faces is the face pipeline configuration that cfg describes, on the CPU; the worker sets the
// CUDA device when its faces queue runs on a GPU.
func Faces(cfg *configs.Config) faces.Config {
	f := cfg.Faces
	c := faces.DefaultConfig(cfg.ModelsPath())
	c.ScoreThreshold = float32(f.ScoreThreshold)
	c.NMSIoU = float32(f.NMSIoU)
	c.MaxPixels = f.MaxPixels
	c.MinFacePx = f.MinFacePx
	c.DecodeBudget = f.DecodeBudgetMiB << 20
	c.Check = faces.CheckConfig{MaxMirrorGap: float32(f.Check.MaxMirrorGap), MinBoxAgreement: float32(f.Check.MinBoxAgreement),
		MinEmbeddingNorm: float32(f.Check.MinEmbeddingNorm)}
	c.IntraOpThreads = f.Threads
	c.Batch = faces.BatchConfig{MaxBatch: f.BatchMax, MaxWait: f.BatchWait}
	if e := f.Embedder; e.Model != "" {
		c.Embedder = faces.EmbedderConfig{Model: e.Model, InputName: e.InputName, OutputName: e.OutputName,
			InputSize: e.InputSize, ChannelOrder: faces.ChannelOrder(e.ChannelOrder), Mean: e.Mean, Std: e.Std,
			Dim: e.Dim, Version: e.Version}
	}
	return c
}

// Captions is the caption backend configuration that cfg describes.
func Captions(cfg *configs.Config) captions.Config {
	c := cfg.Captions
	return captions.Config{Backend: c.Backend, URL: c.URL, Model: c.Model, APIKey: c.APIKey, Prompt: c.Prompt,
		MaxTokens: c.MaxTokens, Temperature: c.Temperature, MaxEdge: c.MaxEdge, RetryEdge: c.RetryEdge,
		Timeout: c.Timeout, MaxInflight: c.MaxInflight}
}
