package catalog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// makeLibrary builds a tree with the awkward cases a real library has.
func makeLibrary(t *testing.T) string {
	t.Helper()
	lib := filepath.Join(t.TempDir(), "lib")
	writeFile(t, lib, ".hidden/x.jpg", "hidden")
	writeFile(t, lib, ".secret.jpg", "hidden")
	writeFile(t, lib, "a/p1.jpg", "photo-one")
	writeFile(t, lib, "a/note.txt", "not media")
	writeFile(t, lib, "a/sub/p2.PNG", "photo-two!")
	writeFile(t, lib, "c/v1.mp4", "video")
	writeFile(t, lib, "视频/家庭/生日.mp4", "birthday")
	require.NoError(t, os.Symlink("..", filepath.Join(lib, "a", "loop")))           // a loop back to lib
	require.NoError(t, os.Symlink("c", filepath.Join(lib, "b_link")))               // a dir met through a link before itself
	require.NoError(t, os.Symlink("nowhere.jpg", filepath.Join(lib, "broken.jpg"))) // a dangling link
	require.NoError(t, os.Symlink("a/p1.jpg", filepath.Join(lib, "file_link.jpg"))) // a link to a photo
	require.NoError(t, os.Symlink("self.jpg", filepath.Join(lib, "self.jpg")))      // a link to itself
	return lib
}

func TestDirSource(t *testing.T) {
	t.Parallel()
	lib := makeLibrary(t)
	src, err := Open("dir:"+lib, PathMap{}, testLog(t))
	require.NoError(t, err)
	assert.Equal(t, "dir:"+lib, src.Name())

	got, stats := scanAll(t, src)
	var paths []string
	for _, a := range got {
		paths = append(paths, strings.TrimPrefix(a.Path, lib+"/"))
	}
	assert.Equal(t, []string{"a/p1.jpg", "a/sub/p2.PNG", "b_link/v1.mp4", "file_link.jpg", "视频/家庭/生日.mp4"}, paths,
		"lexical order, each directory once, symlinks followed")
	assert.Equal(t, map[string]int{
		SkipHidden: 2, SkipSymlinkLoop: 2, SkipNotMedia: 1, SkipBrokenLink: 1, SkipRepeatDir: 1,
	}, stats.Skipped)
	assert.Equal(t, 12, stats.Seen)

	m := byPath(got)
	p2 := m[filepath.Join(lib, "a/sub/p2.PNG")]
	assert.Equal(t, Image, p2.Media)
	assert.Equal(t, "image/png", p2.Mime)
	assert.Equal(t, int64(len("photo-two!")), p2.Size)
	fi, err := os.Stat(filepath.Join(lib, "a/sub/p2.PNG"))
	require.NoError(t, err)
	assert.True(t, fi.ModTime().Equal(p2.ModTime))
	assert.Empty(t, p2.SHA256)
	assert.Equal(t, p2.Path, p2.SourcePath)

	v := m[filepath.Join(lib, "视频/家庭/生日.mp4")]
	assert.Equal(t, Video, v.Media)
	assert.Equal(t, "video/mp4", v.Mime)
	assert.Equal(t, int64(len("photo-one")), m[filepath.Join(lib, "file_link.jpg")].Size, "a file link is stat'ed through")
}

func TestDirSourceMapsPaths(t *testing.T) {
	t.Parallel()
	lib := makeLibrary(t)
	src, err := Open("dir:"+lib, mustPathMap(t, lib+"=/mnt/library"), testLog(t))
	require.NoError(t, err)
	got, _ := scanAll(t, src)
	require.Len(t, got, 5)
	a := got[0]
	assert.Equal(t, "/mnt/library/a/p1.jpg", a.Path)
	assert.Equal(t, filepath.Join(lib, "a/p1.jpg"), a.SourcePath)
	assert.Equal(t, int64(len("photo-one")), a.Size, "stat uses the local path")
	assert.Equal(t, "/mnt/library/视频/家庭/生日.mp4", got[4].Path)
}

func TestDirSourceStopsOnYieldErrorAndCancel(t *testing.T) {
	t.Parallel()
	lib := makeLibrary(t)
	src, err := NewDirSource(lib, PathMap{}, testLog(t))
	require.NoError(t, err)

	stop := errors.New("enough")
	n := 0
	stats, err := src.Scan(context.Background(), func(Asset) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	assert.Equal(t, 2, n)
	assert.Equal(t, 2+total(stats.Skipped), stats.Seen)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = src.Scan(ctx, func(Asset) error { t.Fatal("yielded after cancel"); return nil })
	require.ErrorIs(t, err, context.Canceled)
}

// TestDirSourceUnreadableDir needs a directory this process cannot read. As root every
// directory is readable, so the test reruns itself as user nobody.
func TestDirSourceUnreadableDir(t *testing.T) {
	if root, ok := childArg(); ok {
		src, err := NewDirSource(root, PathMap{}, testLog(t))
		require.NoError(t, err)
		reportToParent(t, src)
		return
	}
	t.Parallel()
	base := t.TempDir()
	lib := filepath.Join(base, "lib")
	writeFile(t, lib, "ok/a.jpg", "a")
	writeFile(t, lib, "locked/b.jpg", "b")
	writeFile(t, lib, "z.jpg", "z")
	require.NoError(t, os.Chmod(filepath.Join(lib, "locked"), 0))
	t.Cleanup(func() { os.Chmod(filepath.Join(lib, "locked"), 0o755) })

	res := scanAsNobody(t, base, lib, func() (Source, error) { return NewDirSource(lib, PathMap{}, testLog(t)) })
	assert.Equal(t, 2, res.Assets)
	assert.Equal(t, map[string]int{SkipUnreadable: 1}, res.Skipped)
}
