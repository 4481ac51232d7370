package captions

import (
	"context"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/draw"
)

var backends = []string{BackendOpenAI, BackendVLMCaption}

// eachBackend runs fn as a parallel subtest for every backend.
func eachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

func testLogger(t testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
}

// newCaptioner builds a backend against url with test-sized time-outs; edit adjusts cfg.
func newCaptioner(t testing.TB, backend, url string, edit func(*Config), opts ...Options) Captioner {
	t.Helper()
	cfg := Config{Backend: backend, URL: url, Model: "qwen2.5-vl-7b", Timeout: 20 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	o := Options{Logger: testLogger(t)}
	if len(opts) > 0 {
		o = opts[0]
	}
	c, err := New(cfg, o)
	require.NoError(t, err)
	return c
}

// decodeFile decodes an image file.
func decodeFile(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(t, err)
	return img
}

// scaledSample writes a JPEG copy of a sample photo whose long edge is longEdge pixels
// (enlarged when needed) and returns its path and size.
func scaledSample(t testing.TB, name string, longEdge int) (string, int, int) {
	t.Helper()
	src := decodeFile(t, testenv.Sample(t, name))
	b := src.Bounds()
	long := max(b.Dx(), b.Dy())
	w, h := b.Dx()*longEdge/long, b.Dy()*longEdge/long
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	p := filepath.Join(t.TempDir(), name+".big.jpg")
	f, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, jpeg.Encode(f, dst, &jpeg.Options{Quality: 85}))
	require.NoError(t, f.Close())
	return p, w, h
}

// redisClient is a fresh client to the test Redis, as a separate worker process would have.
func redisClient(t testing.TB) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	require.NoError(t, err)
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// cleanupKeys deletes keys when the test ends.
func cleanupKeys(t testing.TB, rdb redis.UniversalClient, keys ...string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rdb.Del(ctx, keys...).Err()
	})
}
