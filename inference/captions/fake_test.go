package captions

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fault is one scripted bad answer of a fake server.
type fault struct {
	status  int               // HTTP status; 200 when only body is set
	message string            // error text, wrapped in the backend's own error shape
	body    string            // raw body, used instead of message
	header  map[string]string // extra headers, e.g. Retry-After
	hang    bool              // never answer; wait until the client gives up
}

// fakeVLM is an httptest server that speaks one backend's real API: it checks each request
// the way the real server parses it, decodes the image it was sent and records its long
// edge, and answers with the real reply shapes (or a scripted fault).
type fakeVLM struct {
	t       testing.TB
	backend string
	model   string
	apiKey  string        // when set, requests must carry it
	delay   time.Duration // time each caption takes
	// holdFirst, when above 0, holds the first caption request until that many are in
	// flight at once: a test that the callers can reach a concurrency, on any machine.
	holdFirst int64
	caption   string
	// faults returns the fault for the n-th caption request (1-based), nil for a normal answer.
	faults     func(n int) *fault
	skipDecode bool // benchmarks: do not decode images

	srv         *httptest.Server
	requests    atomic.Int64
	inflight    atomic.Int64
	maxInflight atomic.Int64
	busy        atomic.Int64 // summed handler time, ns
	// hangups counts requests whose client went away before the body was sent whole: normal
	// for a real server (a cancelled caller), so never a test failure.
	hangups atomic.Int64
	// hanging receives one value each time a request reaches a hang fault, body read whole.
	hanging chan struct{}
	mu      sync.Mutex
	edges   []int
}

func newFake(t testing.TB, backend string) *fakeVLM {
	f := &fakeVLM{t: t, backend: backend, model: "qwen2.5-vl-7b", caption: "A footballer dribbles past a defender.",
		hanging: make(chan struct{}, 64)}
	f.srv = httptest.NewUnstartedServer(f)
	return f
}

// start runs the server on a fresh port, or on l when given.
func (f *fakeVLM) start(l net.Listener) *fakeVLM {
	if l != nil {
		f.srv.Listener.Close()
		f.srv.Listener = l
	}
	f.srv.Start()
	f.t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeVLM) URL() string { return f.srv.URL }

func (f *fakeVLM) seenEdges() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.edges...)
}

func (f *fakeVLM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case f.backend == BackendOpenAI && r.URL.Path == "/v1/models" && r.Method == http.MethodGet:
		writeJSON(w, 200, map[string]any{"object": "list", "data": []map[string]any{
			{"id": f.model, "object": "model", "owned_by": "vllm"}, {"id": "other-model", "object": "model"}}})
	case f.backend == BackendVLMCaption && r.URL.Path == "/health" && r.Method == http.MethodGet:
		writeJSON(w, 200, map[string]any{"status": "healthy", "active_provider": "qwen3-vl", "models_loaded": []string{"qwen-vl"},
			"gpu_available": true, "gpu_device": "NVIDIA GeForce RTX 3090", "current_device": "cuda:0", "model_cache_ready": true})
	case f.backend == BackendVLMCaption && r.URL.Path == "/model-info" && r.Method == http.MethodGet:
		writeJSON(w, 200, map[string]any{"model_name": f.model, "device": "cuda:0", "provider": "qwen3-vl"})
	case f.backend == BackendOpenAI && r.URL.Path == "/v1/chat/completions" && r.Method == http.MethodPost,
		f.backend == BackendVLMCaption && r.URL.Path == "/caption" && r.Method == http.MethodPost:
		f.caption1(w, r)
	default:
		f.t.Errorf("fake %s server: unexpected %s %s", f.backend, r.Method, r.URL.Path)
		writeJSON(w, 404, map[string]any{"detail": "Not Found"})
	}
}

func (f *fakeVLM) caption1(w http.ResponseWriter, r *http.Request) {
	n := int(f.requests.Add(1))
	cur := f.inflight.Add(1)
	defer f.inflight.Add(-1)
	for m := f.maxInflight.Load(); cur > m && !f.maxInflight.CompareAndSwap(m, cur); m = f.maxInflight.Load() {
	}
	start := time.Now()
	defer func() { f.busy.Add(int64(time.Since(start))) }()

	if f.apiKey != "" && r.Header.Get("Authorization") != "Bearer "+f.apiKey {
		f.fail(w, &fault{status: 401, message: "Invalid API key"})
		return
	}
	// Read the body whole first, as a real server's framework does: a client that hangs up
	// mid-body is a cancelled caller, not a malformed request.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.hangups.Add(1)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	img, err := f.readImage(r)
	if err != nil {
		f.t.Errorf("fake %s server: bad request: %v", f.backend, err)
		f.fail(w, &fault{status: 400, message: err.Error()})
		return
	}
	if !f.skipDecode {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(img))
		if err != nil || format != "jpeg" {
			f.t.Errorf("fake %s server: the image is not a JPEG (%s): %v", f.backend, format, err)
		}
		f.mu.Lock()
		f.edges = append(f.edges, max(cfg.Width, cfg.Height))
		f.mu.Unlock()
	}
	var ft *fault
	if f.faults != nil {
		ft = f.faults(n)
	}
	if n == 1 && f.holdFirst > 0 {
		for f.inflight.Load() < f.holdFirst {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
	}
	if ft != nil && ft.hang {
		select {
		case f.hanging <- struct{}{}:
		default:
		}
		<-r.Context().Done()
		return
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	if ft != nil {
		f.fail(w, ft)
		return
	}
	if f.backend == BackendOpenAI {
		writeJSON(w, 200, map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "created": time.Now().Unix(),
			"model": f.model, "choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": f.caption}}},
			"usage": map[string]int{"prompt_tokens": 300, "completion_tokens": 12, "total_tokens": 312}})
		return
	}
	writeJSON(w, 200, map[string]any{"caption": f.caption, "model": f.model, "provider": "qwen3-vl",
		"generation_time_seconds": 0.02, "device": "cuda:0"})
}

// readImage checks the request as the real server parses it and returns the image bytes.
func (f *fakeVLM) readImage(r *http.Request) ([]byte, error) {
	if f.backend == BackendVLMCaption {
		file, hdr, err := r.FormFile("file")
		if err != nil {
			return nil, fmt.Errorf("no multipart field file: %w", err)
		}
		defer file.Close()
		if !strings.HasPrefix(hdr.Header.Get("Content-Type"), "image/") {
			return nil, fmt.Errorf("File must be an image (part type %q)", hdr.Header.Get("Content-Type"))
		}
		return io.ReadAll(file)
	}
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content []struct {
				Type     string `json:"type"`
				Text     string `json:"text"`
				ImageURL struct {
					URL string `json:"url"`
				} `json:"image_url"`
			} `json:"content"`
		} `json:"messages"`
		MaxTokens   int      `json:"max_tokens"`
		Temperature *float64 `json:"temperature"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return nil, fmt.Errorf("body is not JSON: %w", err)
	}
	switch {
	case r.Header.Get("Content-Type") != "application/json":
		return nil, fmt.Errorf("content type %q", r.Header.Get("Content-Type"))
	case req.Model != f.model:
		return nil, fmt.Errorf("The model `%s` does not exist.", req.Model)
	case len(req.Messages) != 1 || req.Messages[0].Role != "user" || len(req.Messages[0].Content) != 2:
		return nil, fmt.Errorf("want one user message with two parts, got %+v", req.Messages)
	case req.Messages[0].Content[0].Type != "text" || req.Messages[0].Content[0].Text == "":
		return nil, fmt.Errorf("first part is not the prompt")
	case req.Messages[0].Content[1].Type != "image_url" || req.MaxTokens <= 0 || req.Temperature == nil:
		return nil, fmt.Errorf("second part is not an image_url, or max_tokens/temperature missing")
	}
	const prefix = "data:image/jpeg;base64,"
	u := req.Messages[0].Content[1].ImageURL.URL
	if !strings.HasPrefix(u, prefix) {
		return nil, fmt.Errorf("image url is not a JPEG data URL: %.40s", u)
	}
	return base64.StdEncoding.DecodeString(u[len(prefix):])
}

// fail writes a fault in the backend's own error shape.
func (f *fakeVLM) fail(w http.ResponseWriter, ft *fault) {
	for k, v := range ft.header {
		w.Header().Set(k, v)
	}
	status := ft.status
	if status == 0 {
		status = 200
	}
	if ft.body != "" || ft.message == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, ft.body)
		return
	}
	if f.backend == BackendVLMCaption { // FastAPI HTTPException
		writeJSON(w, status, map[string]any{"detail": ft.message})
		return
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": ft.message, "type": "server_error", "code": status}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
