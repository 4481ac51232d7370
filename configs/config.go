package configs

import (
	_ "embed"
	"time"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML is the embedded default configuration, for `mediafleet config` and docs.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Config is the whole configuration of a mediafleet process.
type Config struct {
	RedisURL    string                 `yaml:"redis_url"`
	QueuePrefix string                 `yaml:"queue_prefix"`
	DataDir     string                 `yaml:"data_dir"`
	Store       string                 `yaml:"store"`
	MediaRoots  []string               `yaml:"media_roots"`
	PathMap     []string               `yaml:"path_map"`
	Queues      map[string]QueueConfig `yaml:"queues"`
	Worker      WorkerConfig           `yaml:"worker"`
	Keyframes   KeyframesConfig        `yaml:"keyframes"`
	Faces       FacesConfig            `yaml:"faces"`
	Captions    CaptionsConfig         `yaml:"captions"`
	Dashboard   DashboardConfig        `yaml:"dashboard"`
	Enqueue     EnqueueConfig          `yaml:"enqueue"`
	Persons     PersonsConfig          `yaml:"persons"`
	Writeback   WritebackConfig        `yaml:"writeback"`
}

// EnqueueConfig is how enqueue feeds Redis.
type EnqueueConfig struct {
	// MaxPending keeps each queue's backlog (pending, scheduled, retrying) at most this many
	// tasks: enqueue waits for the fleet while a queue is full. 0: no limit.
	MaxPending int `yaml:"max_pending"`
	// RedisWait is how long enqueue waits for a Redis that does not answer (at start, or while
	// it restarts or fails over) before it gives up; 0: not at all.
	RedisWait time.Duration `yaml:"redis_wait"`
}

// QueueConfig is one queue's share of a worker.
type QueueConfig struct {
	// Concurrency is the most tasks of this queue one worker runs at once.
	Concurrency int `yaml:"concurrency"`
	// Device is "cpu" or "gpu".
	Device string `yaml:"device"`
	// VRAMMiB is the GPU memory one task of this queue needs (GPU queues).
	VRAMMiB int `yaml:"vram_mib"`
	// MaxRetry bounds the retries of transient failures.
	MaxRetry int `yaml:"max_retry"`
	// Timeout bounds one run of a task.
	Timeout time.Duration `yaml:"timeout"`
}

// WorkerConfig is how a worker process runs.
type WorkerConfig struct {
	ShutdownGrace  time.Duration `yaml:"shutdown_grace"`
	GPU            string        `yaml:"gpu"`
	RequireGPU     bool          `yaml:"require_gpu"`
	MetricsListen  string        `yaml:"metrics_listen"`
	Heartbeat      time.Duration `yaml:"heartbeat"`
	HeartbeatTTL   time.Duration `yaml:"heartbeat_ttl"`
	RetryBaseDelay time.Duration `yaml:"retry_base_delay"`
	RetryMaxDelay  time.Duration `yaml:"retry_max_delay"`
}

// KeyframesConfig is how keyframes are extracted from videos.
type KeyframesConfig struct {
	FFmpeg           string        `yaml:"ffmpeg"`
	FFprobe          string        `yaml:"ffprobe"`
	MinSpacing       time.Duration `yaml:"min_spacing"`
	MaxFrames        int           `yaml:"max_frames"`
	FallbackInterval time.Duration `yaml:"fallback_interval"`
	Timeout          time.Duration `yaml:"timeout"`
	JPEGQuality      int           `yaml:"jpeg_quality"`
}

// FacesConfig is the face pipeline's models and thresholds.
type FacesConfig struct {
	// ORTLib is the CPU build of ONNX Runtime; empty: the setup cache's.
	ORTLib string `yaml:"ort_lib"`
	// ORTGPULib is the GPU build's core, its CUDA provider beside it, loaded when faces run on a
	// GPU; empty: the setup cache's (go tool task setup:gpu).
	ORTGPULib       string          `yaml:"ort_gpu_lib"`
	ModelsDir       string          `yaml:"models_dir"`
	Threads         int             `yaml:"threads"`
	ScoreThreshold  float64         `yaml:"score_threshold"`
	NMSIoU          float64         `yaml:"nms_iou"`
	MaxPixels       int64           `yaml:"max_pixels"`
	MinFacePx       int             `yaml:"min_face_px"`
	DecodeBudgetMiB int64           `yaml:"decode_budget_mib"`
	Check           FaceCheckConfig `yaml:"check"`
	BatchMax        int             `yaml:"batch_max"`
	BatchWait       time.Duration   `yaml:"batch_wait"`
	SaveCrops       bool            `yaml:"save_crops"`
	Embedder        EmbedderConfig  `yaml:"embedder"`
}

// FaceCheckConfig is the second check every detected face passes before it is stored (not
// an animal's face, not an object); a zero threshold turns that part off.
type FaceCheckConfig struct {
	MaxMirrorGap     float64 `yaml:"max_mirror_gap"`
	MinBoxAgreement  float64 `yaml:"min_box_agreement"`
	MinEmbeddingNorm float64 `yaml:"min_embedding_norm"`
}

// EmbedderConfig describes a face embedding model other than the default one.
type EmbedderConfig struct {
	Model        string     `yaml:"model"`
	InputName    string     `yaml:"input_name"`
	OutputName   string     `yaml:"output_name"`
	InputSize    int        `yaml:"input_size"`
	ChannelOrder string     `yaml:"channel_order"`
	Mean         [3]float32 `yaml:"mean"`
	Std          [3]float32 `yaml:"std"`
	Dim          int        `yaml:"dim"`
	Version      string     `yaml:"version"`
}

// CaptionsConfig is the vision-language model backend that writes captions.
type CaptionsConfig struct {
	Backend     string        `yaml:"backend"`
	URL         string        `yaml:"url"`
	Model       string        `yaml:"model"`
	APIKey      string        `yaml:"api_key"`
	Prompt      string        `yaml:"prompt"`
	MaxTokens   int           `yaml:"max_tokens"`
	Temperature float64       `yaml:"temperature"`
	MaxEdge     int           `yaml:"max_edge"`
	RetryEdge   int           `yaml:"retry_edge"`
	MaxInflight int           `yaml:"max_inflight"`
	Timeout     time.Duration `yaml:"timeout"`
}

// DashboardConfig is where the dashboard listens and who may use it.
type DashboardConfig struct {
	Listen        string `yaml:"listen"`
	Token         string `yaml:"token"`
	BasicUser     string `yaml:"basic_user"`
	BasicPassword string `yaml:"basic_password"`
	ReadOnly      bool   `yaml:"read_only"`
}

// PersonsConfig is how stored faces are grouped into persons.
type PersonsConfig struct {
	// JoinThreshold is the cosine similarity to a person's centroid at which a face joins it.
	JoinThreshold float64 `yaml:"join_threshold"`
	// MinFaces is how many similar unassigned faces it takes to start a new person.
	MinFaces int `yaml:"min_faces"`
	// MergeThreshold is the similarity of two persons' centroids at which they merge.
	MergeThreshold float64 `yaml:"merge_threshold"`
	// Batch is the most new faces one transaction of a pass takes.
	Batch int `yaml:"batch"`
	// Window is how long faces tasks collect before the persons pass they plan runs.
	Window time.Duration `yaml:"window"`
}

// WritebackConfig is how results are written into a vlmPhotoHouse catalog.
type WritebackConfig struct {
	// Derived is that app's derived folder as its catalog names it (E:/VLM_DATA/derived);
	// path_map rules say where this machine writes it.
	Derived string `yaml:"derived"`
	// QualityTier is the quality_tier of the captions written (fast, balanced, quality);
	// empty: inferred from the caption model's name, as that app does.
	QualityTier string `yaml:"quality_tier"`
	// Every, when set, repeats the write-back at this interval until stopped, so results flow
	// back as tasks complete.
	Every time.Duration `yaml:"every"`
}
