package catalog

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

// testLog writes the sources' log lines to the test log.
func testLog(t *testing.T) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel)
}

// scanAll collects every asset a source yields.
func scanAll(t *testing.T, src Source) ([]Asset, ScanStats) {
	t.Helper()
	var got []Asset
	stats, err := src.Scan(context.Background(), func(a Asset) error {
		got = append(got, a)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, len(got)+total(stats.Skipped), stats.Seen, "Seen must be the assets yielded plus the entries skipped")
	return got, stats
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// byPath indexes assets by their mapped path.
func byPath(as []Asset) map[string]Asset {
	m := map[string]Asset{}
	for _, a := range as {
		m[a.Path] = a
	}
	return m
}

// writeFile writes data to dir/name, creating parent directories.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	return p
}

func mustPathMap(t testing.TB, rules ...string) PathMap {
	t.Helper()
	pm, err := ParsePathMap(rules)
	require.NoError(t, err)
	return pm
}
