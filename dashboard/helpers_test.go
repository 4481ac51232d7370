package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/dashboard"
	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
)

// bed is one test's private fleet in the shared Redis: its prefix, clients and queues.
type bed struct {
	t      *testing.T
	prefix string
	opt    asynq.RedisConnOpt
	rdb    redis.UniversalClient
	insp   *asynq.Inspector
	client *asynq.Client
}

func newBed(t *testing.T) *bed {
	t.Helper()
	return newBedOn(t, testenv.RedisURL(t))
}

// newBedOn is newBed on the Redis database of URL u.
func newBedOn(t *testing.T, u string) *bed {
	t.Helper()
	opt, err := redisconn.ParseRedisURL(u)
	require.NoError(t, err)
	rdb, err := redisconn.RedisClient(u)
	require.NoError(t, err)
	b := &bed{t: t, prefix: testenv.Prefix(t), opt: opt, rdb: rdb, insp: asynq.NewInspector(opt), client: asynq.NewClient(opt)}
	t.Cleanup(func() {
		for _, k := range tasks.AllKinds() {
			q := tasks.QueueName(b.prefix, k)
			_ = b.insp.DeleteQueue(q, true)
			_ = b.insp.UnpauseQueue(q)
			keys, _ := b.rdb.Keys(context.Background(), "mediafleet:stats:{"+q+"}:*").Result()
			if len(keys) > 0 {
				b.rdb.Del(context.Background(), keys...)
			}
		}
		keys, _ := b.rdb.Keys(context.Background(), b.prefix+":mediafleet:workers*").Result()
		if len(keys) > 0 {
			b.rdb.Del(context.Background(), keys...)
		}
		b.client.Close()
		b.insp.Close()
		b.rdb.Close()
	})
	return b
}

func (b *bed) queue(k tasks.Kind) string { return tasks.QueueName(b.prefix, k) }

// enqueue adds n real tasks of kind k for made-up files /library/<kind>-<i>.<ext>, returning
// their ids.
func (b *bed) enqueue(k tasks.Kind, n int) []string {
	b.t.Helper()
	var ids []string
	for i := range n {
		path := fmt.Sprintf("/library/%s-%d.mp4", k, i)
		asset := tasks.AssetRef{Key: tasks.AssetKey("", path, int64(1000+i), 1700000000), Path: path, Mime: "video/mp4"}
		var p tasks.Payload
		switch k {
		case tasks.Keyframes:
			p = &tasks.KeyframesPayload{Asset: asset, ModelVersion: "kf1"}
		case tasks.Faces:
			p = &tasks.FacesPayload{FrameRef: tasks.FrameRef{Asset: asset, Frame: i + 1, Image: path + ".jpg", ModelVersion: "fr1"}}
		case tasks.Captions:
			p = &tasks.CaptionsPayload{FrameRef: tasks.FrameRef{Asset: asset, Frame: i + 1, Image: path + ".jpg", ModelVersion: "cap1"}}
		}
		task, err := asynqtask.New(p, tasks.Options{Prefix: b.prefix, MaxRetry: 3})
		require.NoError(b.t, err)
		info, err := b.client.Enqueue(task)
		require.NoError(b.t, err)
		ids = append(ids, info.ID)
	}
	return ids
}

// fail runs every pending task of queue once through a real asynq.Server whose handler fails
// for good with reason, so the tasks land in archived with that LastErr.
func (b *bed) fail(k tasks.Kind, reason string) {
	b.t.Helper()
	q := b.queue(k)
	want := b.info(q).Pending + b.info(q).Archived
	srv := asynq.NewServer(b.opt, asynq.Config{Queues: map[string]int{q: 1}, Concurrency: 2,
		Logger: quietLogger{}, ShutdownTimeout: 2 * time.Second})
	require.NoError(b.t, srv.Start(asynq.HandlerFunc(func(_ context.Context, t *asynq.Task) error {
		return fmt.Errorf("%s: %w", reason, asynq.SkipRetry)
	})))
	defer srv.Shutdown()
	b.eventually(func() bool { return b.info(q).Archived == want }, "all tasks of %s archived", q)
}

func (b *bed) info(q string) *asynq.QueueInfo {
	b.t.Helper()
	info, err := b.insp.GetQueueInfo(q)
	require.NoError(b.t, err)
	return info
}

// eventually waits up to 20 s for cond, checking every 50 ms.
func (b *bed) eventually(cond func() bool, format string, args ...any) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			b.t.Fatalf("waited 20s for: "+format, args...)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serve starts the dashboard over this bed's Redis and prefix.
func (b *bed) serve(o dashboard.Options) (*httptest.Server, *dashboard.Handler) {
	b.t.Helper()
	o.Redis, o.Prefix, o.Log = b.opt, b.prefix, zerolog.Nop()
	h, err := dashboard.New(o)
	require.NoError(b.t, err)
	srv := httptest.NewServer(h)
	b.t.Cleanup(func() { srv.Close(); h.Close() })
	return srv, h
}

// do sends one request and returns the status and body; redirects are not followed.
func do(t *testing.T, method, url string, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// quietLogger keeps asynq's own log lines out of test output.
type quietLogger struct{}

func (quietLogger) Debug(...any) {}
func (quietLogger) Info(...any)  {}
func (quietLogger) Warn(...any)  {}
func (quietLogger) Error(...any) {}
func (quietLogger) Fatal(...any) {}
