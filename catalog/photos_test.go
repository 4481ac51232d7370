package catalog

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPhotos(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"b.JPG", "a.png", "sub/c.jpeg", "notes.txt", "clip.mp4"} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
	}
	given := filepath.Join(dir, "notes.txt") // a file named on its own is taken as it is

	got, err := Photos([]string{given, dir})
	require.NoError(t, err)
	require.Equal(t, []string{given, filepath.Join(dir, "a.png"), filepath.Join(dir, "b.JPG"), filepath.Join(dir, "sub/c.jpeg")}, got)

	empty := t.TempDir()
	_, err = Photos([]string{empty})
	require.ErrorContains(t, err, "no photos in "+empty)
	_, err = Photos([]string{filepath.Join(dir, "missing.jpg")})
	require.ErrorIs(t, err, os.ErrNotExist)
	require.ErrorContains(t, err, "missing.jpg")
}
