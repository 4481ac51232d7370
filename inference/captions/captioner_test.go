package captions

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCaptionSample(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		f := newFake(t, backend)
		f.apiKey = "sk-test"
		f.start(nil)
		c := newCaptioner(t, backend, f.URL()+"/", func(cfg *Config) { cfg.APIKey = "sk-test" })
		for _, name := range []string{"messi5.jpg", "astronaut.png"} {
			res, err := c.Caption(context.Background(), testenv.Sample(t, name))
			require.NoError(t, err, name)
			assert.Equal(t, f.caption, res.Text)
			assert.Equal(t, f.model, res.Model)
			assert.Equal(t, backend, res.Backend)
			assert.Positive(t, res.Latency)
			if backend == BackendOpenAI {
				assert.Equal(t, DefaultPrompt, res.Prompt)
				assert.Empty(t, res.Device)
			} else {
				assert.Empty(t, res.Prompt)
				assert.Equal(t, "cuda:0", res.Device)
			}
		}
		// Neither sample exceeds MaxEdge, so neither is enlarged: 548x342 and 512x512.
		assert.Equal(t, []int{548, 512}, f.seenEdges())
	})
}

func TestCaptionScalesLongEdge(t *testing.T) {
	t.Parallel()
	big, w, h := scaledSample(t, "messi5.jpg", 3000)
	eachBackend(t, func(t *testing.T, backend string) {
		f := newFake(t, backend).start(nil)
		c := newCaptioner(t, backend, f.URL(), nil)
		_, err := c.Caption(context.Background(), big)
		require.NoError(t, err)
		require.Equal(t, []int{DefaultMaxEdge}, f.seenEdges(), "a %dx%d photo must arrive with its long edge at MaxEdge", w, h)

		small := newCaptioner(t, backend, f.URL(), func(cfg *Config) { cfg.MaxEdge, cfg.RetryEdge = 400, 300 })
		_, err = small.Caption(context.Background(), testenv.Sample(t, "astronaut.png"))
		require.NoError(t, err)
		assert.Equal(t, []int{DefaultMaxEdge, 400}, f.seenEdges())
	})
}

func TestCaptionEmpty(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		f := newFake(t, backend)
		f.caption = "  \n "
		f.start(nil)
		_, err := newCaptioner(t, backend, f.URL(), nil).Caption(context.Background(), testenv.Sample(t, "messi5.jpg"))
		require.Error(t, err)
		assert.True(t, IsPermanent(err), "%v", err)
		assert.Contains(t, err.Error(), "empty caption")
	})
}

func TestCaptionSlowServerDeadline(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		f := newFake(t, backend)
		f.delay = time.Minute // answers only after the caller gave up
		f.start(nil)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := newCaptioner(t, backend, f.URL(), nil).Caption(ctx, testenv.Sample(t, "messi5.jpg"))
		require.Error(t, err)
		assert.False(t, IsPermanent(err), "%v", err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestCaptionHangingConnection(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		// A listener that accepts connections and never answers a byte.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		conns := make(chan net.Conn, 16)
		t.Cleanup(func() {
			l.Close()
			for len(conns) > 0 {
				(<-conns).Close()
			}
		})
		go func() {
			for {
				conn, err := l.Accept()
				if err != nil {
					return
				}
				conns <- conn
			}
		}()
		c := newCaptioner(t, backend, "http://"+l.Addr().String(), func(cfg *Config) { cfg.Timeout = 300 * time.Millisecond })
		_, err = c.Caption(context.Background(), testenv.Sample(t, "messi5.jpg"))
		require.Error(t, err)
		assert.False(t, IsPermanent(err), "%v", err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "no answer within 300ms")
	})
}

func TestCaptionServerDownThenBack(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close()) // nothing listens there now
		c := newCaptioner(t, backend, "http://"+addr, nil)
		photo := testenv.Sample(t, "astronaut.png")

		_, err = c.Caption(context.Background(), photo)
		require.Error(t, err)
		assert.False(t, IsPermanent(err), "%v", err)
		assert.Contains(t, err.Error(), "connection refused")

		l, err = net.Listen("tcp", addr)
		require.NoError(t, err, "take back the same port")
		f := newFake(t, backend).start(l)
		res, err := c.Caption(context.Background(), photo)
		require.NoError(t, err)
		assert.Equal(t, f.caption, res.Text)
	})
}

func TestCaptionCallerCancel(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		f := newFake(t, backend)
		f.faults = func(int) *fault { return &fault{hang: true} }
		f.start(nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select { // cancel while the server thinks: it has the whole request
			case <-f.hanging:
				cancel()
			case <-ctx.Done():
			}
		}()
		_, err := newCaptioner(t, backend, f.URL(), nil).Caption(ctx, testenv.Sample(t, "messi5.jpg"))
		assert.ErrorIs(t, err, context.Canceled)
		assert.False(t, IsPermanent(err))
	})
}

func TestHealth(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		f := newFake(t, backend).start(nil)
		info, err := newCaptioner(t, backend, f.URL()+"/v1", nil).Health(context.Background())
		require.NoError(t, err)
		assert.Equal(t, backend, info.Backend)
		assert.Equal(t, f.URL(), info.URL, "a trailing /v1 is dropped")
		assert.Contains(t, info.Models, f.model)
		assert.True(t, info.ModelAvailable)

		info, err = newCaptioner(t, backend, f.URL(), func(c *Config) { c.Model = "llava:13b" }).Health(context.Background())
		require.NoError(t, err)
		assert.False(t, info.ModelAvailable, "llava:13b is not served")
	})
}

func TestHealthVLMCaptionUnhealthy(t *testing.T) {
	t.Parallel()
	srv := newFake(t, BackendVLMCaption)
	srv.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"status": "unhealthy", "error": "No module named 'torch'"})
	})
	srv.start(nil)
	_, err := newCaptioner(t, BackendVLMCaption, srv.URL(), nil).Health(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "No module named 'torch'")
	assert.False(t, IsPermanent(err))
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"no backend":    {URL: "http://x"},
		"unknown":       {Backend: "gemini", URL: "http://x"},
		"no url":        {Backend: BackendVLMCaption},
		"ftp url":       {Backend: BackendVLMCaption, URL: "ftp://x"},
		"openai model":  {Backend: BackendOpenAI, URL: "http://x"},
		"retry > max":   {Backend: BackendVLMCaption, URL: "http://x", MaxEdge: 800, RetryEdge: 960},
		"cap no redis":  {Backend: BackendVLMCaption, URL: "http://x", MaxInflight: 2},
		"negative temp": {Backend: BackendOpenAI, URL: "http://x", Model: "m", Temperature: -1},
	} {
		_, err := New(cfg, Options{})
		assert.Error(t, err, name)
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "captions: "), err.Error())
		}
	}
	var e *Error
	_, err := New(Config{Backend: BackendOpenAI, URL: "http://x"}, Options{})
	assert.False(t, errors.As(err, &e), "configuration errors are not caption errors")
}

// TestFakeToleratesHangupMidBody checks the fake servers themselves: a client that goes away
// while sending its body is a cancelled caller (a real server shrugs), not a failed test.
func TestFakeToleratesHangupMidBody(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		f := newFake(t, backend).start(nil)
		path := "/v1/chat/completions"
		if backend == BackendVLMCaption {
			path = "/caption"
		}
		conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
		require.NoError(t, err)
		_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"model\":", path)
		require.NoError(t, err)
		require.NoError(t, conn.Close())
		require.Eventually(t, func() bool { return f.hangups.Load() == 1 }, 10*time.Second, 5*time.Millisecond)
		require.EqualValues(t, 1, f.requests.Load())
	})
}
