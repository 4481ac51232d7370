package worker

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/gpu"
)

// TestMetricsServeUntilContextEnds: /metrics answers with the worker's metrics while ctx lives;
// once it ends the server stops and wait returns.
func TestMetricsServeUntilContextEnds(t *testing.T) {
	t.Parallel()
	m := NewMetrics(func() map[string]int { return map[string]int{"lib:faces": 2} }, nil, gpu.DeviceInfo{})
	m.Observe("lib:faces", 30*time.Millisecond, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var log bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	wait := m.Serve(ctx, ln, zerolog.New(&log))
	t.Cleanup(func() { cancel(); wait() })
	url := "http://" + ln.Addr().String() + "/metrics"
	require.Contains(t, log.String(), url)

	resp, err := http.Get(url)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), `queue="lib:faces"`)

	cancel()
	wait()
	_, err = http.Get(url)
	require.Error(t, err, "the server is gone once ctx ends")
}
