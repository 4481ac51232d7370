package captions

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
	t.Run("400 prompt longer than the context", func(t *testing.T) {
		t.Parallel()
		eachBackend(t, func(t *testing.T, backend string) {
			f := newFake(t, backend)
			f.faults = func(int) *fault {
				return &fault{status: 400, message: "This model's maximum context length is 4096 tokens. However, you requested 5120 tokens (4864 in the messages, 256 in the completion)."}
			}
			f.start(nil)
			_, err := newCaptioner(t, backend, f.URL(), small).Caption(context.Background(), photo)
			require.Error(t, err)
			assert.True(t, IsPermanent(err), "too large even when smaller: %v", err)
			assert.Equal(t, []int{400, 300}, f.seenEdges(), "one retry with a smaller image")
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

// TestCaptionRetryAfterHTTPDate: a Retry-After date is measured against the server's own
// Date header, so the wait is what the server asked for however long the answer took to
// arrive. The fake answers with a Date an hour behind the real clock, as a server with a
// skewed clock would.
func TestCaptionRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		f := newFake(t, backend)
		f.faults = func(int) *fault {
			date := time.Now().Add(-time.Hour).UTC()
			return &fault{status: 429, message: "slow down", header: map[string]string{
				"Date": date.Format(http.TimeFormat), "Retry-After": date.Add(90 * time.Second).Format(http.TimeFormat)}}
		}
		f.start(nil)
		_, err := newCaptioner(t, backend, f.URL(), nil).Caption(context.Background(), testenv.Sample(t, "messi5.jpg"))
		d, ok := RetryAfter(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, 90*time.Second, d)
		assert.False(t, IsPermanent(err))
	})
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"0":                             0,
		"-5":                            0,
		"120":                           2 * time.Minute,
		"soon":                          0,
		"Fri, 27 Nov 2026 10:00:30 GMT": 30 * time.Second,
		"Fri, 27 Nov 2026 09:59:00 GMT": 0, // already past
	} {
		assert.Equal(t, want, parseRetryAfter(in, now), "%q", in)
	}
}

func TestServerMessageShapes(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"error":{"message":"CUDA out of memory","type":"server_error","code":500}}`:     "CUDA out of memory",
		`{"error":"model 'llava' not found"}`:                                             "model 'llava' not found",
		`{"object":"error","message":"The model does not exist.","type":"NotFoundError"}`: "The model does not exist.",
		`{"detail":"File must be an image"}`:                                              "File must be an image",
		`{"detail":[{"loc":["body","file"],"msg":"field required"}]}`:                     `[{"loc":["body","file"],"msg":"field required"}]`,
		"<html>502 Bad Gateway</html>\n":                                                  "<html>502 Bad Gateway</html>",
	} {
		assert.Equal(t, want, serverMessage([]byte(body)))
	}
}

func TestErrorClassesOfOtherErrors(t *testing.T) {
	t.Parallel()
	assert.False(t, IsPermanent(nil))
	assert.False(t, IsPermanent(context.Canceled), "errors from elsewhere count as transient")
	_, ok := RetryAfter(context.Canceled)
	assert.False(t, ok)
	long := &Error{Path: "/p.jpg", Message: truncate(string(make([]byte, 5000)) + "x"), Permanent: true}
	assert.Less(t, len(long.Error()), 1400, "server words are truncated")
}
