package catalog

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCandidates(t *testing.T) {
	t.Parallel()
	pm, err := ParsePathMap([]string{"E:/=/mnt/e/"})
	require.NoError(t, err)
	require.Equal(t, []string{`E:/01_INCOMING\Jane\x.jpg`, mustAbs(t, `E:/01_INCOMING\Jane\x.jpg`), "/mnt/e/01_INCOMING/Jane/x.jpg"},
		pm.Candidates(`E:/01_INCOMING\Jane\x.jpg`))

	wd, err := os.Getwd()
	require.NoError(t, err)
	require.Equal(t, []string{"photos/a.jpg", filepath.Join(wd, "photos/a.jpg"), "photos/a.jpg"},
		pm.Candidates("photos/a.jpg"), "a relative path is also tried from the working folder")
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	require.NoError(t, err)
	return abs
}
