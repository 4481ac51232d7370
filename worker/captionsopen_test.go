package worker

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/inference/captions"
)

// captionServer speaks the caption server's GET /health and GET /model-info with status.
func captionServer(t *testing.T, status string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"` + status + `","models_loaded":["blip"],"current_device":"cpu"}`))
	})
	mux.HandleFunc("GET /model-info", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"model_name":"blip-large"}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestOpenCaptionsProbesOnce: a backend that answers is logged with what it serves; one that is
// not ready is logged as such and the worker still gets its captioner; a configuration the
// backend refuses is an error.
func TestOpenCaptionsProbesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var log bytes.Buffer
	c, err := OpenCaptions(ctx, CaptionsOptions{Config: captions.Config{Backend: captions.BackendVLMCaption, URL: captionServer(t, "healthy")}, Log: zerolog.New(&log)})
	require.NoError(t, err)
	require.NotNil(t, c)
	require.Contains(t, log.String(), `"message":"caption backend found"`)
	require.Contains(t, log.String(), `"models":["blip-large"]`)

	log.Reset()
	c, err = OpenCaptions(ctx, CaptionsOptions{Config: captions.Config{Backend: captions.BackendVLMCaption, URL: captionServer(t, "loading")}, Log: zerolog.New(&log)})
	require.NoError(t, err, "a backend that is not ready does not stop the worker")
	require.NotNil(t, c)
	require.Contains(t, log.String(), "caption backend does not answer yet; captions tasks will wait and retry until it does")
	require.Contains(t, log.String(), "loading")

	_, err = OpenCaptions(ctx, CaptionsOptions{Config: captions.Config{Backend: "llava"}, Log: zerolog.Nop()})
	require.ErrorContains(t, err, `unknown caption backend "llava"`)
}

// TestCaptionsKeyPrefixPerFleet: fleets with different queue prefixes on one Redis do not share
// the semaphore.
func TestCaptionsKeyPrefixPerFleet(t *testing.T) {
	t.Parallel()
	require.Equal(t, "mediafleet", captionsKeyPrefix(""))
	require.Equal(t, "mediafleet:lib1", captionsKeyPrefix("lib1"))
	require.NotEqual(t, captionsKeyPrefix("lib1"), captionsKeyPrefix("lib2"))
}
