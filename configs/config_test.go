package configs

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsValidate(t *testing.T) {
	c, err := Load("", env(nil))
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	require.Equal(t, []string{"keyframes", "faces", "captions", "persons"}, c.QueueNames())
	require.Equal(t, 30*time.Second, c.Worker.ShutdownGrace)
	require.Equal(t, filepath.Join(".mediafleet", "mediafleet.db"), c.StorePath())
}

// TestLayering: the file overrides the defaults, the environment overrides the file.
func TestLayering(t *testing.T) {
	f := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(f, []byte("queue_prefix: lib1\nqueues:\n  faces: {concurrency: 7, device: gpu, vram_mib: 900, timeout: 1m}\ncaptions: {backend: openai, url: 'http://vlm:8000', model: qwen}\n"), 0o644))
	c, err := Load(f, env(map[string]string{
		"MEDIAFLEET_QUEUE_PREFIX":         "lib2",
		"MEDIAFLEET_MEDIA_ROOTS":          "/a:/b",
		"MEDIAFLEET_PATH_MAP":             "E:/=/mnt/e/, F:/=/mnt/f/",
		"MEDIAFLEET_CAPTION_MAX_INFLIGHT": "3",
		"MEDIAFLEET_STORE":                "postgres://x@db/media",
		"MEDIAFLEET_ORT_GPU_LIB":          "/opt/ort-gpu/libonnxruntime.so",
	}))
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	require.Equal(t, "lib2", c.QueuePrefix)
	require.Equal(t, 7, c.Queues["faces"].Concurrency)
	require.Equal(t, "gpu", c.Queues["faces"].Device)
	require.Equal(t, 2, c.Queues["keyframes"].Concurrency, "a queue the file does not mention keeps its default")
	require.Equal(t, []string{"/a", "/b"}, c.MediaRoots)
	require.Equal(t, []string{"E:/=/mnt/e/", "F:/=/mnt/f/"}, c.PathMap)
	require.Equal(t, 3, c.Captions.MaxInflight)
	require.Equal(t, "postgres://x@db/media", c.StorePath())
	require.Equal(t, "/opt/ort-gpu/libonnxruntime.so", c.Faces.ORTGPULib)
	require.Empty(t, c.Faces.ORTLib, "the CPU build keeps its default")
}

func TestUnknownKeyInFileIsAnError(t *testing.T) {
	f := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(f, []byte("worker:\n  shutdown_grase: 10s\n"), 0o644))
	_, err := Load(f, env(nil))
	require.ErrorContains(t, err, "shutdown_grase")
}

func TestSetQueues(t *testing.T) {
	c, err := Load("", env(nil))
	require.NoError(t, err)
	require.NoError(t, c.SetQueues("keyframes=3, faces"))
	require.Equal(t, []string{"keyframes", "faces"}, c.QueueNames())
	require.Equal(t, 3, c.Queues["keyframes"].Concurrency)
	require.Equal(t, 2, c.Queues["faces"].Concurrency)
	for spec, want := range map[string]string{
		"thumbs=2":     `unknown queue "thumbs"`,
		"faces=0":      "above 0",
		"faces=-1":     "above 0",
		"faces=lots":   "whole number",
		" , ":          "no queue",
		"captions=1.5": "whole number",
	} {
		c, _ := Load("", env(nil))
		require.ErrorContains(t, c.SetQueues(spec), want, spec)
	}
}

// TestValidateSaysWhatToFix collects every problem, each as a sentence.
func TestValidateSaysWhatToFix(t *testing.T) {
	c, err := Load("", env(nil))
	require.NoError(t, err)
	c.Queues["thumbnails"] = QueueConfig{Concurrency: 1, Device: "cpu", Timeout: time.Minute}
	q := c.Queues["faces"]
	q.Concurrency, q.Device = 0, "tpu"
	c.Queues["faces"] = q
	c.PathMap = []string{"E:/"}
	c.MediaRoots = []string{"relative/dir"}
	c.Captions.Backend = "llava"
	c.Dashboard.BasicUser = "admin"
	err = c.Validate()
	require.Error(t, err)
	for _, want := range []string{`unknown queue "thumbnails"`, "concurrency 0 must be above 0", `device "tpu" must be cpu or gpu`,
		"FROM=TO", "not an absolute path", `captions.backend "llava"`, "basic_password"} {
		require.Contains(t, err.Error(), want)
	}
}
