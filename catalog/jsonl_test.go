package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sha(c byte) string { return strings.Repeat(string(c), 64) }

func TestJSONLSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real := writeFile(t, dir, "local/real.jpg", "real bytes")
	big := strings.Repeat("x", 200<<10) // far past bufio.Scanner's 64K
	lines := []string{
		"\xef\xbb\xbf" + `{"path":"E:/01_INCOMING\\Jane\\x.jpg","sha256":"` + strings.ToUpper(sha('a')) + `","id":7}`,
		``,
		`{"path":"E:\\视频\\家庭\\生日.mp4","hash_sha256":"` + sha('b') + `","mime":"video/mp4","id":"v1"}`,
		`not json at all`,
		`{"mime":"image/jpeg","sha256":"` + sha('c') + `"}`,
		`{"path":"` + real + `"}`,
		`{"path":"` + filepath.Join(dir, "local/gone.jpg") + `"}`,
		`{"path":"E:/docs/a.pdf","sha256":"` + sha('d') + `"}`,
		`{"path":"E:/x.jpg","sha256":"xyz"}`,
		`   `,
		`{"path":"E:/big.jpg","sha256":"` + sha('e') + `","note":"` + big + `"}`,
		`{"path":"F:/y.jpg","sha256":"` + sha('f') + `"}`,
		`{"path":"E:/z.png","sha256":"` + sha('0') + `","mime":"application/octet-stream"}`,
		`{"path":"relative/r.jpg","sha256":"` + sha('1') + "\"}\r",
		`{"path":42}`,
		`{"path":"E:/id.jpg","sha256":"` + sha('2') + `","id":{"x":1}}`,
		`{"path":"E:/both.jpg","sha256":"` + sha('3') + `","hash_sha256":"` + sha('4') + `"}`,
		`{"path":"E:/last.heic","sha256":"` + sha('5') + `"}`, // no newline at the end
	}
	file := writeFile(t, dir, "catalog.jsonl", strings.Join(lines, "\n"))
	src, err := Open("jsonl:"+file, mustPathMap(t, "E:/=/mnt/e/"), testLog(t))
	require.NoError(t, err)
	assert.Equal(t, "jsonl:"+file, src.Name())

	got, stats := scanAll(t, src)
	var paths []string
	for _, a := range got {
		paths = append(paths, a.Path)
	}
	assert.Equal(t, []string{
		"/mnt/e/01_INCOMING/Jane/x.jpg", "/mnt/e/视频/家庭/生日.mp4", real, "/mnt/e/big.jpg", "/mnt/e/last.heic",
	}, paths)
	assert.Equal(t, map[string]int{
		SkipBadLine: 6, SkipMissingNoHash: 1, SkipNotMedia: 1, SkipUnmapped: 1, SkipMime: 1, SkipRelative: 1,
	}, stats.Skipped)

	x := got[0]
	assert.Equal(t, "7", x.ID)
	assert.Equal(t, sha('a'), x.SHA256, "hashes are lower-cased")
	assert.Equal(t, `E:/01_INCOMING\Jane\x.jpg`, x.SourcePath)
	assert.Equal(t, Image, x.Media)
	assert.Equal(t, "image/jpeg", x.Mime)
	assert.Zero(t, x.Size, "a file that cannot be seen has no size")
	assert.True(t, x.ModTime.IsZero())
	assert.Equal(t, "h"+sha('a')[:20], x.Key())

	v := got[1]
	assert.Equal(t, "v1", v.ID)
	assert.Equal(t, sha('b'), v.SHA256, "hash_sha256 is accepted")
	assert.Equal(t, Video, v.Media)

	r := got[2]
	assert.Equal(t, int64(len("real bytes")), r.Size)
	assert.False(t, r.ModTime.IsZero())
	assert.Empty(t, r.SHA256)
	assert.Equal(t, "p", r.Key()[:1], "without a hash the key comes from path, size and mtime")
	assert.Equal(t, "image/heic", got[4].Mime)
}

func TestJSONLSourceMapsThenStats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "photos/家庭/a.jpg", "abc")
	file := writeFile(t, dir, "c.jsonl", `{"path":"D:\\Pictures\\家庭\\a.jpg"}`+"\n")
	src, err := Open("jsonl:"+file, mustPathMap(t, "D:/Pictures="+filepath.Join(dir, "photos")), testLog(t))
	require.NoError(t, err)
	got, stats := scanAll(t, src)
	require.Len(t, got, 1, "%v", stats)
	assert.Equal(t, filepath.Join(dir, "photos/家庭/a.jpg"), got[0].Path)
	assert.Equal(t, int64(3), got[0].Size, "the mapped path is stat'ed")
}

func TestJSONLSourceLineTooLong(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	long := `{"path":"/a/b.jpg","sha256":"` + sha('a') + `","pad":"` + strings.Repeat("y", 5000) + `"}`
	exact := `{"path":"/c.jpg","sha256":"` + sha('b') + `","p":"`
	exact += strings.Repeat("z", 1000-len(exact)-2) + `"}`
	require.Len(t, exact, 1000)
	file := writeFile(t, dir, "c.jsonl", long+"\n"+exact+"\n"+long)
	src, err := NewJSONLSource(file, PathMap{}, testLog(t))
	require.NoError(t, err)
	src.maxLine = 1000
	got, stats := scanAll(t, src)
	require.Len(t, got, 1)
	assert.Equal(t, "/c.jpg", got[0].Path)
	assert.Equal(t, map[string]int{SkipBadLine: 2}, stats.Skipped)
}

func TestJSONLSourceStopsOnYieldError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, `{"path":"/p/%d.jpg","sha256":"%064x"}`+"\n", i, i)
	}
	file := writeFile(t, dir, "c.jsonl", b.String())
	src, err := NewJSONLSource(file, PathMap{}, testLog(t))
	require.NoError(t, err)
	stop := errors.New("stop")
	n := 0
	stats, err := src.Scan(context.Background(), func(Asset) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	assert.Equal(t, 3, stats.Seen)

	require.NoError(t, os.Remove(file))
	_, err = src.Scan(context.Background(), func(Asset) error { return nil })
	require.ErrorIs(t, err, ErrBadCatalog)
	assert.Contains(t, err.Error(), file)
}
