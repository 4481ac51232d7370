package catalog

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNamesThatCannotCrossAPayload: a file whose name is not UTF-8, or a catalog path that is
// (raw bytes, an unpaired surrogate escape) or that is longer than a task may name, is
// skipped and counted with its reason, where a folder walk or a jsonl file meets it; the
// other files go on.
func TestNamesThatCannotCrossAPayload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeFile(t, dir, "ok/café.jpg", "x")
	writeFile(t, dir, "ok/caf\xe9.jpg", "x")
	writeFile(t, dir, "Fran\xe7ois/a.jpg", "x")

	ds, err := NewDirSource(dir, PathMap{}, testLog(t))
	require.NoError(t, err)
	got, stats := scanAll(t, ds)
	require.Len(t, got, 1)
	require.Equal(t, good, got[0].Path)
	require.Equal(t, 2, stats.Skipped[SkipBadName])

	long := "/photos/" + strings.Repeat("d/", 2100) + "x.jpg"
	lines := []string{
		`{"path":"` + good + `"}`,
		`{"path":"/photos/caf` + "\xe9" + `.jpg","sha256":"` + sha('a') + `"}`,
		`{"path":"/photos/caf\ud800.jpg","sha256":"` + sha('b') + `"}`,
		`{"path":"` + long + `","sha256":"` + sha('c') + `"}`,
	}
	file := writeFile(t, dir, "catalog.jsonl", strings.Join(lines, "\n")+"\n")
	js, err := NewJSONLSource(file, PathMap{}, testLog(t))
	require.NoError(t, err)
	got, stats = scanAll(t, js)
	require.Len(t, got, 1)
	require.Equal(t, filepath.Clean(good), got[0].Path)
	require.Equal(t, 2, stats.Skipped[SkipBadName], "%v", stats.Skipped)
	require.Equal(t, 1, stats.Skipped[SkipLongPath], "%v", stats.Skipped)
}
