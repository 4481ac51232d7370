package configs

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mediafleet/mediafleet/internal/cachedir"
)

// Validate checks the whole configuration and returns every problem found, each as a sentence
// that says what to fix.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if c.RedisURL == "" {
		bad("redis_url is empty: set MEDIAFLEET_REDIS_URL, e.g. redis://127.0.0.1:6379/0")
	}
	if strings.ContainsAny(c.QueuePrefix, " \t\n{}") {
		bad("queue_prefix %q holds spaces or braces: use letters, digits, '-', '_' or '.'", c.QueuePrefix)
	}
	if c.DataDir == "" {
		bad("data_dir is empty: name a folder for derived files, e.g. .mediafleet")
	}
	if len(c.Queues) == 0 {
		bad("queues is empty: configure at least one of keyframes, faces, captions")
	}
	for _, name := range c.QueueNames() {
		q := c.Queues[name]
		switch name {
		case "keyframes", "faces", "captions", "persons":
		default:
			bad("unknown queue %q: the queues are keyframes, faces, captions and persons", name)
			continue
		}
		if q.Concurrency <= 0 {
			bad("queue %s: concurrency %d must be above 0", name, q.Concurrency)
		}
		if q.Device != "cpu" && q.Device != "gpu" {
			bad("queue %s: device %q must be cpu or gpu", name, q.Device)
		}
		if q.VRAMMiB < 0 {
			bad("queue %s: vram_mib %d must not be negative", name, q.VRAMMiB)
		}
		if q.MaxRetry < 0 {
			bad("queue %s: max_retry %d must not be negative", name, q.MaxRetry)
		}
		if q.Timeout <= 0 {
			bad("queue %s: timeout must be above 0, e.g. 5m", name)
		}
	}
	if c.Enqueue.MaxPending < 0 {
		bad("enqueue: max_pending %d must not be negative (0: no limit)", c.Enqueue.MaxPending)
	}
	if c.Enqueue.RedisWait < 0 {
		bad("enqueue: redis_wait %s must not be negative (0: do not wait)", c.Enqueue.RedisWait)
	}
	for _, r := range c.MediaRoots {
		if !filepath.IsAbs(r) {
			bad("media_roots entry %q is not an absolute path", r)
		}
	}
	for _, rule := range c.PathMap {
		from, to, ok := strings.Cut(rule, "=")
		if !ok || strings.TrimSpace(from) == "" || strings.TrimSpace(to) == "" {
			bad("path_map rule %q is malformed: write FROM=TO, e.g. E:/=/mnt/e/", rule)
		}
	}
	w := c.Worker
	if w.ShutdownGrace < 0 {
		bad("worker.shutdown_grace must not be negative")
	}
	if w.Heartbeat <= 0 || w.HeartbeatTTL <= w.Heartbeat {
		bad("worker.heartbeat must be above 0 and worker.heartbeat_ttl longer than it (now %s and %s)", w.Heartbeat, w.HeartbeatTTL)
	}
	if w.RetryBaseDelay <= 0 || w.RetryMaxDelay < w.RetryBaseDelay {
		bad("worker.retry_base_delay must be above 0 and retry_max_delay at least as long")
	}
	if w.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(w.MetricsListen); err != nil {
			bad("worker.metrics_listen %q is not host:port", w.MetricsListen)
		}
	}
	k := c.Keyframes
	if k.MaxFrames <= 0 || k.MinSpacing < 0 || k.FallbackInterval <= 0 || k.Timeout <= 0 {
		bad("keyframes: max_frames, fallback_interval and timeout must be above 0 and min_spacing not negative")
	}
	if k.JPEGQuality < 2 || k.JPEGQuality > 31 {
		bad("keyframes.jpeg_quality %d must be 2 (best) to 31", k.JPEGQuality)
	}
	f := c.Faces
	if f.Threads <= 0 || f.BatchMax <= 0 || f.MaxPixels <= 0 || f.DecodeBudgetMiB <= 0 {
		bad("faces: threads, batch_max, max_pixels and decode_budget_mib must be above 0")
	}
	if f.MinFacePx < 0 || f.Check.MaxMirrorGap < 0 || f.Check.MinBoxAgreement < 0 || f.Check.MinBoxAgreement > 1 || f.Check.MinEmbeddingNorm < 0 {
		bad("faces: min_face_px and the check's thresholds must not be negative (0 turns them off), min_box_agreement at most 1")
	}
	if f.ScoreThreshold <= 0 || f.ScoreThreshold >= 1 || f.NMSIoU <= 0 || f.NMSIoU >= 1 {
		bad("faces: score_threshold and nms_iou must be between 0 and 1")
	}
	if e := f.Embedder; e.Model != "" && (e.Version == "" || strings.ContainsAny(e.Version, ": ")) {
		bad("faces.embedder.version %q: another embedder needs a version without ':' or spaces; it is stored with every embedding", e.Version)
	}
	errs = append(errs, c.Persons.validate()...)
	errs = append(errs, c.Writeback.validate()...)
	if errs2 := c.Captions.validate(); errs2 != nil {
		errs = append(errs, errs2...)
	}
	if c.Dashboard.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Dashboard.Listen); err != nil {
			bad("dashboard.listen %q is not host:port", c.Dashboard.Listen)
		}
	}
	if (c.Dashboard.BasicUser == "") != (c.Dashboard.BasicPassword == "") {
		bad("dashboard: set both basic_user and basic_password, or neither")
	}
	return errors.Join(errs...)
}

func (c CaptionsConfig) validate() []error {
	var errs []error
	switch c.Backend {
	case "":
		return nil
	case "openai", "vlmcaption":
	default:
		return []error{fmt.Errorf("captions.backend %q: use openai or vlmcaption (or leave it empty for no captions)", c.Backend)}
	}
	if !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		errs = append(errs, fmt.Errorf("captions.url %q must be an http:// or https:// URL (MEDIAFLEET_CAPTION_URL)", c.URL))
	}
	if c.Backend == "openai" && c.Model == "" {
		errs = append(errs, errors.New("captions.model is empty: the openai backend needs a model name (MEDIAFLEET_CAPTION_MODEL)"))
	}
	// 0 takes the caption backend's default; the backend checks the values it ends up with.
	if (c.MaxEdge != 0 && c.MaxEdge < 64) || (c.RetryEdge != 0 && c.RetryEdge < 64) || (c.MaxEdge != 0 && c.RetryEdge > c.MaxEdge) {
		errs = append(errs, fmt.Errorf("captions: max_edge (%d) and retry_edge (%d) must be at least 64, retry_edge not above max_edge", c.MaxEdge, c.RetryEdge))
	}
	if c.MaxInflight < 0 || c.Timeout < 0 || c.MaxTokens < 0 {
		errs = append(errs, errors.New("captions: max_inflight, max_tokens and timeout must not be negative"))
	}
	return errs
}

// QueueNames lists the configured queues in pipeline order.
func (c *Config) QueueNames() []string {
	order := map[string]int{"keyframes": 0, "faces": 1, "captions": 2, "persons": 3}
	names := make([]string, 0, len(c.Queues))
	for n := range c.Queues {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, iok := order[names[i]]
		oj, jok := order[names[j]]
		if iok && jok {
			return oi < oj
		}
		if iok != jok {
			return iok
		}
		return names[i] < names[j]
	})
	return names
}

// ModelsPath is faces.models_dir, else the setup cache's models folder.
func (c *Config) ModelsPath() string {
	if c.Faces.ModelsDir != "" {
		return c.Faces.ModelsDir
	}
	return filepath.Join(cachedir.CacheDir(), "models")
}

func (p PersonsConfig) validate() []error {
	var errs []error
	if p.JoinThreshold <= 0 || p.JoinThreshold >= 1 || p.MergeThreshold <= 0 || p.MergeThreshold >= 1 {
		errs = append(errs, fmt.Errorf("persons: join_threshold (%g) and merge_threshold (%g) are cosine similarities between 0 and 1",
			p.JoinThreshold, p.MergeThreshold))
	}
	if p.MinFaces < 1 || p.Batch < 1 {
		errs = append(errs, fmt.Errorf("persons: min_faces (%d) and batch (%d) must be at least 1", p.MinFaces, p.Batch))
	}
	if p.Window < time.Second {
		errs = append(errs, fmt.Errorf("persons.window %s must be at least 1s", p.Window))
	}
	return errs
}

func (w WritebackConfig) validate() []error {
	var errs []error
	switch w.QualityTier {
	case "", "fast", "balanced", "quality":
	default:
		errs = append(errs, fmt.Errorf("writeback.quality_tier %q: use fast, balanced or quality (or leave it empty)", w.QualityTier))
	}
	if w.Every < 0 {
		errs = append(errs, errors.New("writeback.every must not be negative"))
	}
	return errs
}
