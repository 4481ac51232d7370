package captions

import (
	"context"
	"errors"
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

func TestCaptionOutOfMemoryRetriesSmaller(t *testing.T) {
	t.Parallel()
	oomOnce := func(ft fault) func(int) *fault {
		return func(n int) *fault {
			if n == 1 {
				return &ft
			}
			return nil
		}
	}
	t.Run("503 at the default edges", func(t *testing.T) {
		t.Parallel()
		img, _, _ := scaledSample(t, "messi5.jpg", 1500)
		eachBackend(t, func(t *testing.T, backend string) {
			f := newFake(t, backend)
			f.faults = oomOnce(fault{status: 503, message: "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 23.69 GiB total capacity)"})
			f.start(nil)
			res, err := newCaptioner(t, backend, f.URL(), nil).Caption(context.Background(), img)
			require.NoError(t, err)
			assert.Equal(t, f.caption, res.Text)
			assert.Equal(t, []int{DefaultMaxEdge, DefaultRetryEdge}, f.seenEdges(), "one retry at RetryEdge")
		})
	})
	small := func(c *Config) { c.MaxEdge, c.RetryEdge = 400, 300 }
	photo := testenv.Sample(t, "messi5.jpg")
	t.Run("500 saying out of memory", func(t *testing.T) {
		t.Parallel()
		eachBackend(t, func(t *testing.T, backend string) {
			f := newFake(t, backend)
			f.faults = oomOnce(fault{status: 500, message: "torch.OutOfMemoryError: CUDA out of memory."})
			f.start(nil)
			_, err := newCaptioner(t, backend, f.URL(), small).Caption(context.Background(), photo)
			require.NoError(t, err)
			assert.Equal(t, []int{400, 300}, f.seenEdges())
		})
	})
	t.Run("413", func(t *testing.T) {
		t.Parallel()
		eachBackend(t, func(t *testing.T, backend string) {
			f := newFake(t, backend)
			f.faults = oomOnce(fault{status: 413, body: "<html>413 Request Entity Too Large</html>"})
			f.start(nil)
			_, err := newCaptioner(t, backend, f.URL(), small).Caption(context.Background(), photo)
			require.NoError(t, err)
			assert.Equal(t, []int{400, 300}, f.seenEdges())
		})
	})
	t.Run("twice", func(t *testing.T) {
		t.Parallel()
		eachBackend(t, func(t *testing.T, backend string) {
			f := newFake(t, backend)
			f.faults = func(int) *fault { return &fault{status: 503, message: "CUDA error: out of memory"} }
			f.start(nil)
			_, err := newCaptioner(t, backend, f.URL(), small).Caption(context.Background(), photo)
			require.Error(t, err)
			assert.False(t, IsPermanent(err), "a server out of memory is busy, not refusing: %v", err)
			assert.Contains(t, err.Error(), "out of memory")
			assert.Equal(t, []int{400, 300}, f.seenEdges(), "exactly one retry")
		})
	})
	t.Run("image already small", func(t *testing.T) {
		t.Parallel()
		eachBackend(t, func(t *testing.T, backend string) {
			f := newFake(t, backend)
			f.faults = oomOnce(fault{status: 503, message: "CUDA out of memory"})
			f.start(nil)
			_, err := newCaptioner(t, backend, f.URL(), nil).Caption(context.Background(), photo)
			require.Error(t, err)
			assert.False(t, IsPermanent(err))
			assert.Equal(t, []int{548}, f.seenEdges(), "a 548 px photo is not smaller at RetryEdge, so it is not resent")
		})
	})
}

func TestCaptionServerErrors(t *testing.T) {
	t.Parallel()
	// messi5 is larger than this MaxEdge, so a retry at RetryEdge would be visible.
	photo := testenv.Sample(t, "messi5.jpg")
	small := func(c *Config) { c.MaxEdge, c.RetryEdge = 400, 300 }
	cases := []struct {
		name       string
		fault      fault
		permanent  bool
		retryAfter time.Duration
		says       string // words of the server that the error must quote
	}{
		{"500", fault{status: 500, message: "engine step failed: worker died"}, false, 0, "engine step failed"},
		{"502 html", fault{status: 502, body: "<html><body>502 Bad Gateway</body></html>"}, false, 0, "502 Bad Gateway"},
		{"503 loading", fault{status: 503, message: "Loading model", header: map[string]string{"Retry-After": "3"}}, false, 3 * time.Second, "Loading model"},
		{"429 seconds", fault{status: 429, message: "Too many requests", header: map[string]string{"Retry-After": "7"}}, false, 7 * time.Second, "Too many requests"},
		{"400", fault{status: 400, message: "image input is not supported by this model"}, true, 0, "not supported"},
		{"401", fault{status: 401, message: "Invalid API key"}, true, 0, "Invalid API key"},
		{"garbage json", fault{status: 200, body: `{"choices": [ {"message": oops`}, true, 0, "oops"},
		{"html 200", fault{status: 200, body: "<html>captive portal</html>"}, true, 0, "captive portal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachBackend(t, func(t *testing.T, backend string) {
				f := newFake(t, backend)
				f.faults = func(int) *fault { return &tc.fault }
				f.start(nil)
				_, err := newCaptioner(t, backend, f.URL(), small).Caption(context.Background(), photo)
				require.Error(t, err)
				assert.Equal(t, tc.permanent, IsPermanent(err), "%v", err)
				assert.Contains(t, err.Error(), tc.says)
				assert.Contains(t, err.Error(), photo)
				d, ok := RetryAfter(err)
				assert.Equal(t, tc.retryAfter, d)
				assert.Equal(t, tc.retryAfter > 0, ok)
				assert.Equal(t, []int{400}, f.seenEdges(), "no retry at a smaller size for %s", tc.name)
			})
		})
	}
}

func TestCaptionRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		when := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
		f := newFake(t, backend)
		f.faults = func(int) *fault {
			return &fault{status: 429, message: "slow down", header: map[string]string{"Retry-After": when}}
		}
		f.start(nil)
		_, err := newCaptioner(t, backend, f.URL(), nil).Caption(context.Background(), testenv.Sample(t, "messi5.jpg"))
		d, ok := RetryAfter(err)
		require.True(t, ok, "%v", err)
		assert.InDelta(t, 90, d.Seconds(), 2)
		assert.False(t, IsPermanent(err))
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
		go func() {
			for f.requests.Load() == 0 {
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
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
