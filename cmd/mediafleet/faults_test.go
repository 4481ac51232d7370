package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store/storetest"
)

// slowVLM is the fake VLM (OpenAI API) with a delay per caption, so a drain lasts long enough
// for a fault to land in its middle; reached fires once when `at` captions have been served.
type slowVLM struct {
	fakeVLM
	delay   atomic.Int64 // nanoseconds each caption takes
	active  atomic.Int32 // captions requests being answered now
	served  atomic.Int64
	at      int64
	once    sync.Once
	reached chan struct{}
}

func (s *slowVLM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v1/chat/completions" {
		s.active.Add(1)
		defer s.active.Add(-1)
		select {
		case <-time.After(time.Duration(s.delay.Load())):
		case <-r.Context().Done():
			return
		}
	}
	rec := httptest.NewRecorder()
	s.fakeVLM.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
	if r.URL.Path == "/v1/chat/completions" && rec.Code == http.StatusOK {
		if s.served.Add(1) == s.at {
			s.once.Do(func() { close(s.reached) })
		}
	}
}

// faultBed is a library of n small photos whose captions a fake VLM writes into a PostgreSQL
// schema of the test's own, for the fault tests: every one ends with each photo captioned
// exactly once in the store and nothing archived.
type faultBed struct {
	*bed
	t      *testing.T
	n      int
	vlm    *slowVLM
	vlmURL string
	store  string // the store's URL, straight to PostgreSQL
	config string
}

// newFaultBed makes the bed on redisURL; the fault fires after about a quarter of the captions.
func newFaultBed(t *testing.T, redisURL string, n int) *faultBed {
	t.Helper()
	e := newBed(t)
	e.redis, e.ownRedis = redisURL, true
	b := &faultBed{bed: e, t: t, n: n, store: storetest.PostgresSpec(t),
		vlm: &slowVLM{at: int64(n / 4), reached: make(chan struct{})}}
	b.vlm.delay.Store(int64(20 * time.Millisecond))
	srv := httptest.NewServer(b.vlm)
	t.Cleanup(srv.Close)
	b.vlmURL = srv.URL
	smallLibrary(t, filepath.Join(e.lib, "photos"), n)
	// Short retry delays so a test does not wait minutes; enough retries to outlast 60 s.
	b.config = writeConfig(t, "worker: {retry_base_delay: 200ms, retry_max_delay: 5s, heartbeat: 1s, heartbeat_ttl: 4s}\n"+
		"queues: {captions: {concurrency: 4, device: cpu, max_retry: 25, timeout: 5m}}\n")
	b.setStore(b.store)
	b.setVLM(b.vlmURL)
	return b
}

func (b *faultBed) setStore(u string) { b.setExtra("MEDIAFLEET_STORE", u) }
func (b *faultBed) setVLM(u string)   { b.setExtra("MEDIAFLEET_CAPTION_URL", u) }

func (b *faultBed) setExtra(k, v string) {
	out := []string{"MEDIAFLEET_CAPTION_BACKEND=openai", "MEDIAFLEET_CAPTION_MODEL=test-vlm"}
	for _, kv := range b.extra {
		if len(kv) > len(k) && kv[:len(k)+1] == k+"=" || kv == out[0] || kv == out[1] {
			continue
		}
		out = append(out, kv)
	}
	b.extra = append(out, k+"="+v)
}

// enqueue plans the captions of the library and returns how many went in.
func (b *faultBed) enqueue(args ...string) int {
	b.t.Helper()
	var s enqueueSummary
	b.json(&s, append([]string{"--config", b.config, "enqueue", "--catalog", "dir:" + b.lib, "--kinds", "captions"}, args...)...)
	return s.Enqueued
}

// worker starts a worker serving captions.
func (b *faultBed) worker(extra ...string) *proc {
	return startProc(b.t, b.bed, extra, "--config", b.config, "worker", "--queues", "captions=4")
}

// captions counts the caption rows and the distinct assets they belong to, in the store.
func (b *faultBed) captions() (rows, assets int) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, b.store)
	require.NoError(b.t, err)
	defer conn.Close(ctx)
	require.NoError(b.t, conn.QueryRow(ctx, "SELECT count(*), count(DISTINCT asset) FROM captions").Scan(&rows, &assets))
	return rows, assets
}

// waitAllDone waits until the store holds a caption for every photo, then checks that each
// photo has exactly one and that Redis holds nothing archived, retrying or left over.
func (b *faultBed) waitAllDone(limit time.Duration, w *proc) {
	b.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if _, assets := b.captions(); assets >= b.n {
			break
		}
		if time.Now().After(deadline) {
			rows, assets := b.captions()
			b.t.Fatalf("after %s the store holds %d captions of %d photos (of %d); worker log:\n%s", limit, rows, assets, b.n, tail(w.Log(), 6000))
		}
		time.Sleep(200 * time.Millisecond) // polling the store; the condition decides
	}
	rows, assets := b.captions()
	require.Equal(b.t, b.n, assets, "every photo is captioned")
	require.Equal(b.t, b.n, rows, "exactly once")
	var st struct {
		Queues []struct {
			Kind                             string
			Pending, Active, Retry, Archived int
		} `json:"queues"`
	}
	// A task whose end Redis lost (a kill -9 drops up to a second of appendonly everysec
	// writes, a failover what the replica had not received) is left "active" with nobody
	// working it: the workers' recovery pass puts it back once its lease (30 s) has run out
	// unrenewed, so allow for that.
	var left, first string
	ok, since := false, time.Now()
	for end := time.Now().Add(limit); !ok && time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		out, _, err := b.run("--config", b.config, "status", "--json")
		if err != nil || json.Unmarshal([]byte(out), &st) != nil {
			continue
		}
		for _, q := range st.Queues {
			if q.Kind == "captions" {
				require.Zero(b.t, q.Archived, "nothing archived")
				ok = q.Pending+q.Active+q.Retry == 0
				left = fmt.Sprintf("pending %d, active %d, retry %d", q.Pending, q.Active, q.Retry)
				if first == "" {
					first = left
				}
			}
		}
	}
	require.True(b.t, ok, "the captions queue did not empty within %s: %s", limit, left)
	b.t.Logf("every result stored; the queue (then %s) emptied %s later", first, time.Since(since).Round(time.Second))
	rows, assets = b.captions()
	require.Equal(b.t, b.n, rows, "still exactly once after the queue emptied")
	require.Equal(b.t, b.n, assets)
}

// waitFault blocks until the drain is about a quarter done.
func (b *faultBed) waitFault(w *proc) {
	b.t.Helper()
	select {
	case <-b.vlm.reached:
	case <-time.After(90 * time.Second):
		b.t.Fatalf("the drain never reached %d captions; worker log:\n%s", b.vlm.at, tail(w.Log(), 6000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
