package configs

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestQueueOrDefault: a served queue has its configured settings; one left out by --queues
// has the defaults', not zero retries.
func TestQueueOrDefault(t *testing.T) {
	f := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(f, []byte("queues:\n  keyframes: {concurrency: 1, max_retry: 3, timeout: 1m}\n  faces: {concurrency: 1, max_retry: 4, timeout: 2m}\n"), 0o644))
	c, err := Load(f, env(nil))
	require.NoError(t, err)
	require.NoError(t, c.SetQueues("keyframes=2"))

	q, ok := c.QueueOrDefault("keyframes")
	require.True(t, ok)
	require.Equal(t, 3, q.MaxRetry)
	require.Equal(t, time.Minute, q.Timeout)

	defaults, err := Load("", env(nil))
	require.NoError(t, err)
	q, ok = c.QueueOrDefault("faces")
	require.True(t, ok)
	require.Equal(t, defaults.Queues["faces"], q, "the defaults', not the settings of the dropped queue")
	require.NotEqual(t, 4, q.MaxRetry)

	_, ok = c.QueueOrDefault("thumbnails")
	require.False(t, ok)
}
