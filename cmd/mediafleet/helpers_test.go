package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// bed is one test's private world: its Redis prefix, data dir and library folder.
type bed struct {
	t       testing.TB
	redis   string
	prefix  string
	dataDir string
	lib     string
	extra   []string
	// ownRedis is set when the test runs its own redis-server, gone by cleanup time.
	ownRedis bool
}

// newBed makes the test's bed and removes what it left in Redis when the test ends.
func newBed(t testing.TB) *bed {
	t.Helper()
	root := t.TempDir()
	e := &bed{t: t, redis: testenv.RedisURL(t), prefix: testenv.Prefix(t),
		dataDir: filepath.Join(root, "data"), lib: filepath.Join(root, "library")}
	require.NoError(t, os.MkdirAll(e.lib, 0o755))
	t.Cleanup(func() {
		// Leave no queues behind in the shared Redis.
		if !e.ownRedis {
			cleanupQueues(t, e.redis, e.prefix)
		}
	})
	return e
}

// env and newEnv are bed's and newBed's former names.
type env = bed

func newEnv(t testing.TB) *bed { return newBed(t) }
