package main

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// archived reads the captions queue's archived count from `mediafleet status --json`.
func (b *faultBed) archived() int {
	b.t.Helper()
	var st struct {
		Queues []struct {
			Kind     string
			Archived int
		} `json:"queues"`
	}
	out := b.must("--config", b.config, "status", "--json")
	require.NoError(b.t, json.Unmarshal([]byte(out), &st), out)
	for _, q := range st.Queues {
		if q.Kind == "captions" {
			return q.Archived
		}
	}
	return 0
}

// TestStoreUnreachableMidDrain cuts the worker off PostgreSQL for 30 s in the middle of a
// drain (a TCP proxy between them drops every connection and refuses new ones): the tasks
// that meet the outage wait and retry, none is archived, and once the store is back every
// photo is captioned exactly once.
func TestStoreUnreachableMidDrain(t *testing.T) {
	t.Parallel()
	b := newFaultBed(t, testenv.StartRedis(t).URL(), 200)
	u, err := url.Parse(b.store)
	require.NoError(t, err)
	proxy := testenv.StartProxy(t, u.Host)
	u.Host = proxy.Addr
	b.setStore(u.String())
	require.Equal(t, b.n, b.enqueue())
	w := b.worker()
	b.waitFault(w)

	proxy.Cut()
	time.Sleep(30 * time.Second) // the outage itself
	require.Zero(t, b.archived(), "nothing archived while the store was away")
	proxy.Restore(t)

	b.waitAllDone(3*time.Minute, w)
	require.Contains(t, w.Log(), "task failed; it will be retried", "the outage was met and retried")
	require.NoError(t, w.stop(t, 60*time.Second))
}

// TestCaptionBackendDownMidDrain takes the caption server away for 60 s in the middle of a
// drain (connections refused): the captions tasks wait and retry, none is archived, and once
// it is back every photo is captioned exactly once.
func TestCaptionBackendDownMidDrain(t *testing.T) {
	t.Parallel()
	b := newFaultBed(t, testenv.StartRedis(t).URL(), 200)
	u, err := url.Parse(b.vlmURL)
	require.NoError(t, err)
	proxy := testenv.StartProxy(t, u.Host)
	b.setVLM("http://" + proxy.Addr)
	require.Equal(t, b.n, b.enqueue())
	w := b.worker()
	b.waitFault(w)

	proxy.Cut()
	time.Sleep(60 * time.Second) // the outage itself
	require.Zero(t, b.archived(), "nothing archived while the caption server was away")
	proxy.Restore(t)

	b.waitAllDone(3*time.Minute, w)
	require.Contains(t, w.Log(), "task failed; it will be retried", "the outage was met and retried")
	require.NoError(t, w.stop(t, 60*time.Second))
}
