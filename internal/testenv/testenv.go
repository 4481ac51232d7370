// Package testenv finds the real services and files that mediafleet's tests run against:
// Redis, PostgreSQL, the ONNX Runtime library, the face models and the sample media.
// A missing one fails the test with a sentence that says how to provide it; nothing is skipped.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mediafleet/mediafleet/internal/cachedir"
)

// SetupHint is the command that installs every file the tests need.
const SetupHint = "go tool task setup"

// CacheDir is the per-user download cache that the setup task fills.
func CacheDir() string { return cachedir.CacheDir() }

// RedisURL is the Redis the tests use: MEDIAFLEET_TEST_REDIS_URL, else redis://127.0.0.1:6379/0.
// The test fails at once when nothing answers there.
func RedisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("MEDIAFLEET_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("MEDIAFLEET_TEST_REDIS_URL %q is not a redis URL: %v", u, err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s does not answer (%v): start redis-server or set MEDIAFLEET_TEST_REDIS_URL", u, err)
	}
	return u
}

// PostgresURL is the PostgreSQL the tests use: MEDIAFLEET_TEST_POSTGRES_URL, else
// postgres://postgres@127.0.0.1:5432/test.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("MEDIAFLEET_TEST_POSTGRES_URL")
	if u == "" {
		u = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	return u
}

// Prefix returns a queue prefix unique to this test, so tests that share one Redis never
// see each other's tasks.
func Prefix(t testing.TB) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "t" + hex.EncodeToString(b)
}

// Sample is the path of one sample media file (Megamind.avi, vtest.avi, messi5.jpg,
// astronaut.png) in the setup cache.
func Sample(t testing.TB, name string) string {
	t.Helper()
	return mustExist(t, filepath.Join(CacheDir(), "samples", name), "sample media file")
}

// ORTLib is the ONNX Runtime shared library: MEDIAFLEET_ORT_LIB, else the setup cache's copy.
func ORTLib(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("MEDIAFLEET_ORT_LIB"); p != "" {
		return mustExist(t, p, "ONNX Runtime library")
	}
	return mustExist(t, filepath.Join(CacheDir(), "onnxruntime", "libonnxruntime.so.1"), "ONNX Runtime library")
}

// GPUBuild is the GPU build of ONNX Runtime that `go tool task setup:gpu` installs: its core
// (MEDIAFLEET_ORT_GPU_LIB, else the setup cache's) and the CUDA provider beside it.
func GPUBuild(t testing.TB) (lib, cudaProvider string) {
	t.Helper()
	lib = os.Getenv("MEDIAFLEET_ORT_GPU_LIB")
	if lib == "" {
		lib = filepath.Join(CacheDir(), "onnxruntime-gpu", "libonnxruntime.so")
	}
	if st, err := os.Stat(lib); err != nil || st.Size() == 0 {
		t.Fatalf("GPU build of ONNX Runtime %s is missing: run `%s:gpu`", lib, SetupHint)
	}
	cudaProvider = filepath.Join(filepath.Dir(lib), "libonnxruntime_providers_cuda.so")
	if st, err := os.Stat(cudaProvider); err != nil || st.Size() == 0 {
		t.Fatalf("CUDA provider %s of the GPU build is missing: run `%s:gpu`", cudaProvider, SetupHint)
	}
	return lib, cudaProvider
}

// ModelsDir is the folder holding fr_detect.onnx, fr_landmark.onnx and fr_feature.onnx:
// MEDIAFLEET_MODELS_DIR, else the setup cache's models folder.
func ModelsDir(t testing.TB) string {
	t.Helper()
	d := os.Getenv("MEDIAFLEET_MODELS_DIR")
	if d == "" {
		d = filepath.Join(CacheDir(), "models")
	}
	mustExist(t, filepath.Join(d, "fr_feature.onnx"), "face model")
	return d
}

func mustExist(t testing.TB, p, what string) string {
	t.Helper()
	if st, err := os.Stat(p); err != nil || st.Size() == 0 {
		t.Fatalf("%s %s is missing: run `%s`", what, p, SetupHint)
	}
	return p
}
