package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Load reads the embedded defaults, then the YAML file at path (when not empty), then the
// MEDIAFLEET_* variables that getenv returns (os.Getenv when nil). It does not validate: the
// caller applies its flags first, then calls Validate.
func Load(path string, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var c Config
	if err := decodeStrict(defaultYAML, &c); err != nil {
		return nil, fmt.Errorf("embedded default.yaml: %w", err)
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading config file: %w", err)
		}
		if err := decodeStrict(b, &c); err != nil {
			return nil, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return nil, err
	}
	return &c, nil
}

// decodeStrict merges YAML into c, refusing keys that Config does not have, so a typo in a
// config file is an error rather than a silently ignored setting.
func decodeStrict(b []byte, c *Config) error {
	d := yaml.NewDecoder(bytes.NewReader(b))
	d.KnownFields(true)
	if err := d.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// EnvVars lists the environment variables Load reads, with what each sets.
var EnvVars = map[string]string{
	"MEDIAFLEET_REDIS_URL":            "redis_url",
	"MEDIAFLEET_QUEUE_PREFIX":         "queue_prefix",
	"MEDIAFLEET_STORE":                "store",
	"MEDIAFLEET_DATA_DIR":             "data_dir",
	"MEDIAFLEET_MEDIA_ROOTS":          "media_roots (colon-separated)",
	"MEDIAFLEET_PATH_MAP":             "path_map (comma-separated FROM=TO)",
	"MEDIAFLEET_QUEUES":               "queues concurrency (keyframes=2,faces=4)",
	"MEDIAFLEET_GPU":                  "worker.gpu",
	"MEDIAFLEET_REQUIRE_GPU":          "worker.require_gpu",
	"MEDIAFLEET_METRICS_LISTEN":       "worker.metrics_listen",
	"MEDIAFLEET_SHUTDOWN_GRACE":       "worker.shutdown_grace",
	"MEDIAFLEET_ORT_LIB":              "faces.ort_lib",
	"MEDIAFLEET_ORT_GPU_LIB":          "faces.ort_gpu_lib",
	"MEDIAFLEET_MODELS_DIR":           "faces.models_dir",
	"MEDIAFLEET_CAPTION_BACKEND":      "captions.backend",
	"MEDIAFLEET_CAPTION_URL":          "captions.url",
	"MEDIAFLEET_CAPTION_MODEL":        "captions.model",
	"MEDIAFLEET_CAPTION_API_KEY":      "captions.api_key",
	"MEDIAFLEET_CAPTION_MAX_INFLIGHT": "captions.max_inflight",
	"MEDIAFLEET_MAX_PENDING":          "enqueue.max_pending",
	"MEDIAFLEET_DASHBOARD_LISTEN":     "dashboard.listen",
	"MEDIAFLEET_DASHBOARD_TOKEN":      "dashboard.token",
	"MEDIAFLEET_DASHBOARD_USER":       "dashboard.basic_user",
	"MEDIAFLEET_DASHBOARD_PASSWORD":   "dashboard.basic_password",
}

func (c *Config) applyEnv(getenv func(string) string) error {
	str := map[string]*string{
		"MEDIAFLEET_REDIS_URL":          &c.RedisURL,
		"MEDIAFLEET_QUEUE_PREFIX":       &c.QueuePrefix,
		"MEDIAFLEET_STORE":              &c.Store,
		"MEDIAFLEET_DATA_DIR":           &c.DataDir,
		"MEDIAFLEET_GPU":                &c.Worker.GPU,
		"MEDIAFLEET_METRICS_LISTEN":     &c.Worker.MetricsListen,
		"MEDIAFLEET_ORT_LIB":            &c.Faces.ORTLib,
		"MEDIAFLEET_ORT_GPU_LIB":        &c.Faces.ORTGPULib,
		"MEDIAFLEET_MODELS_DIR":         &c.Faces.ModelsDir,
		"MEDIAFLEET_CAPTION_BACKEND":    &c.Captions.Backend,
		"MEDIAFLEET_CAPTION_URL":        &c.Captions.URL,
		"MEDIAFLEET_CAPTION_MODEL":      &c.Captions.Model,
		"MEDIAFLEET_CAPTION_API_KEY":    &c.Captions.APIKey,
		"MEDIAFLEET_DASHBOARD_LISTEN":   &c.Dashboard.Listen,
		"MEDIAFLEET_DASHBOARD_TOKEN":    &c.Dashboard.Token,
		"MEDIAFLEET_DASHBOARD_USER":     &c.Dashboard.BasicUser,
		"MEDIAFLEET_DASHBOARD_PASSWORD": &c.Dashboard.BasicPassword,
	}
	for k, p := range str {
		if v, ok := lookup(getenv, k); ok {
			*p = v
		}
	}
	if v, ok := lookup(getenv, "MEDIAFLEET_MEDIA_ROOTS"); ok {
		c.MediaRoots = splitNonEmpty(v, ":")
	}
	if v, ok := lookup(getenv, "MEDIAFLEET_PATH_MAP"); ok {
		c.PathMap = splitNonEmpty(v, ",")
	}
	if v, ok := lookup(getenv, "MEDIAFLEET_QUEUES"); ok {
		if err := c.SetQueues(v); err != nil {
			return fmt.Errorf("MEDIAFLEET_QUEUES: %w", err)
		}
	}
	if v, ok := lookup(getenv, "MEDIAFLEET_REQUIRE_GPU"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("MEDIAFLEET_REQUIRE_GPU=%q: use true or false", v)
		}
		c.Worker.RequireGPU = b
	}
	if v, ok := lookup(getenv, "MEDIAFLEET_CAPTION_MAX_INFLIGHT"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("MEDIAFLEET_CAPTION_MAX_INFLIGHT=%q: use a whole number", v)
		}
		c.Captions.MaxInflight = n
	}
	if v, ok := lookup(getenv, "MEDIAFLEET_MAX_PENDING"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("MEDIAFLEET_MAX_PENDING=%q: use a whole number", v)
		}
		c.Enqueue.MaxPending = n
	}
	if v, ok := lookup(getenv, "MEDIAFLEET_SHUTDOWN_GRACE"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("MEDIAFLEET_SHUTDOWN_GRACE=%q: use a duration such as 30s", v)
		}
		c.Worker.ShutdownGrace = d
	}
	return nil
}

func lookup(getenv func(string) string, k string) (string, bool) {
	v := strings.TrimSpace(getenv(k))
	return v, v != ""
}

func splitNonEmpty(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// SetQueues keeps only the queues named in spec ("keyframes=2,faces=4") with those
// concurrencies; the other settings of each queue stay as configured. A bare name keeps its
// configured concurrency.
func (c *Config) SetQueues(spec string) error {
	next := map[string]QueueConfig{}
	for _, part := range splitNonEmpty(spec, ",") {
		name, n, hasN := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		q, known := c.Queues[name]
		if !known {
			return fmt.Errorf("unknown queue %q in %q: the queues are keyframes, faces, captions and persons", name, spec)
		}
		if hasN {
			v, err := strconv.Atoi(strings.TrimSpace(n))
			if err != nil || v <= 0 {
				return fmt.Errorf("queue %q: concurrency %q must be a whole number above 0", name, n)
			}
			q.Concurrency = v
		}
		next[name] = q
	}
	if len(next) == 0 {
		return fmt.Errorf("no queue in %q: name at least one, e.g. keyframes=2", spec)
	}
	c.Queues = next
	return nil
}

// StorePath is the results store spec: Store, else the SQLite file under DataDir.
func (c *Config) StorePath() string {
	if c.Store != "" {
		return c.Store
	}
	return filepath.Join(c.DataDir, "mediafleet.db")
}
