package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/tasks"
)

// fakeVLM answers the OpenAI chat-completions API; it refuses the first `down` requests with
// 503 as a server that is still loading does, and counts requests in flight.
type fakeVLM struct {
	down          int32
	calls, inFlig atomic.Int32
	mu            sync.Mutex
	maxInFlight   int32
}

func (f *fakeVLM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/models":
		fmt.Fprint(w, `{"object":"list","data":[{"id":"test-vlm","object":"model"}]}`)
		return
	case "/v1/chat/completions":
	default:
		http.NotFound(w, r)
		return
	}
	n := f.inFlig.Add(1)
	defer f.inFlig.Add(-1)
	f.mu.Lock()
	f.maxInFlight = max(f.maxInFlight, n)
	f.mu.Unlock()
	if f.calls.Add(1) <= f.down {
		http.Error(w, `{"error":{"message":"model is loading"}}`, http.StatusServiceUnavailable)
		return
	}
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Content []map[string]any `json:"content"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) == 0 {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, `{"id":"c1","object":"chat.completion","model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":"A person in a photo."},"finish_reason":"stop"}]}`, req.Model)
}

// TestCaptionsSurviveBackendDownThenDrain: while the VLM server answers 503 the captions tasks
// wait and retry; once it is back they complete without anyone stepping in, none archived.
func TestCaptionsSurviveBackendDownThenDrain(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	fake := &fakeVLM{down: 6}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	photos := []string{e.addSample("astronaut.png", "a.png"), e.addSample("messi5.jpg", "m.jpg"), e.addSample("messi5.jpg", "m2.jpg")}
	e.extra = []string{"MEDIAFLEET_CAPTION_BACKEND=openai", "MEDIAFLEET_CAPTION_URL=" + srv.URL,
		"MEDIAFLEET_CAPTION_MODEL=test-vlm", "MEDIAFLEET_CAPTION_MAX_INFLIGHT=2"}
	cfg := writeConfig(t, "worker: {retry_base_delay: 100ms, retry_max_delay: 1s}\n")
	var s enqueueSummary
	e.json(&s, "--config", cfg, "enqueue", "--catalog", "dir:"+e.lib, "--kinds", "captions")
	require.Equal(t, 3, s.Enqueued)

	e.must("--config", cfg, "worker", "--until-empty", "--queues", "captions=4")
	require.Greater(t, fake.calls.Load(), int32(6), "the tasks were retried after the 503s")
	require.LessOrEqual(t, fake.maxInFlight, int32(2), "the fleet-wide cap held")
	for _, p := range photos {
		var d struct {
			Captions []struct {
				Text  string `json:"text"`
				Model string `json:"model"`
			} `json:"captions"`
		}
		e.json(&d, "show", p)
		require.Len(t, d.Captions, 1, p)
		require.Equal(t, "A person in a photo.", d.Captions[0].Text)
	}
	opt, err := redisconn.ParseRedisURL(e.redis)
	require.NoError(t, err)
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	info, err := insp.GetQueueInfo(tasks.QueueName(e.prefix, tasks.Captions))
	require.NoError(t, err)
	require.Zero(t, info.Archived)
}
