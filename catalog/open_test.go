package catalog

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenRefusesWithAClearError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := writeFile(t, dir, "notes.txt", "hello")
	notSQLite := writeFile(t, dir, "bad.db", "this is not a database, just text long enough to be read as one")
	emptyDB := filepath.Join(dir, "empty.db")
	makeVLMPH(t, emptyDB, nil)
	noAssets := filepath.Join(dir, "other.db")
	conn := openRW(t, noAssets)
	_, err := conn.Exec(`CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)`)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	noPath := filepath.Join(dir, "nopath.db")
	conn = openRW(t, noPath)
	_, err = conn.Exec(`CREATE TABLE assets (id INTEGER PRIMARY KEY, file TEXT)`)
	require.NoError(t, err)
	require.NoError(t, conn.Close())

	cases := []struct{ spec, says string }{
		{"photos", "write it as dir:PATH, jsonl:FILE or vlmph:DB"},
		{"s3:bucket/x", "write it as dir:PATH, jsonl:FILE or vlmph:DB"},
		{"DIR:/x", "write it as dir:PATH"},
		{"dir:", "names no path"},
		{"dir:" + filepath.Join(dir, "absent"), "no such directory"},
		{"dir:" + file, "is a file, not a directory"},
		{"jsonl:" + filepath.Join(dir, "absent.jsonl"), "absent.jsonl: no such file"},
		{"jsonl:" + dir, "is a directory: use dir:"},
		{"vlmph:" + filepath.Join(dir, "absent.db"), "absent.db: no such file"},
		{"vlmph:" + notSQLite, "is not a readable SQLite database"},
		{"vlmph:" + noAssets, "it has no assets table"},
		{"vlmph:" + noPath, "lacks an id or path column"},
		{`vlmph:E:\vlmPhotoHouse\metadata.sqlite`, "is a Windows path"},
	}
	for _, c := range cases {
		src, err := Open(c.spec, PathMap{}, testLog(t))
		require.Error(t, err, c.spec)
		assert.Nil(t, src, "%s: a failed Open returns a nil Source", c.spec)
		assert.True(t, errors.Is(err, ErrBadCatalog), "%s: %v", c.spec, err)
		assert.Contains(t, err.Error(), c.says, c.spec)
	}

	// An empty but well-formed catalog is fine.
	src, err := Open("vlmph:"+emptyDB, PathMap{}, testLog(t))
	require.NoError(t, err)
	got, stats := scanAll(t, src)
	assert.Empty(t, got)
	assert.Zero(t, stats.Seen)
}

func TestOpenMakesPathsAbsolute(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "lib/a.jpg", "a")
	writeFile(t, dir, "c.jsonl", `{"path":"/x/a.jpg","sha256":"`+sha('a')+`"}`+"\n")
	t.Chdir(dir)

	src, err := Open("dir:lib", PathMap{}, testLog(t))
	require.NoError(t, err)
	assert.Equal(t, "dir:"+filepath.Join(dir, "lib"), src.Name())
	got, _ := scanAll(t, src)
	require.Len(t, got, 1)
	assert.Equal(t, filepath.Join(dir, "lib", "a.jpg"), got[0].Path)

	src, err = Open("jsonl:c.jsonl", PathMap{}, testLog(t))
	require.NoError(t, err)
	assert.Equal(t, "jsonl:"+filepath.Join(dir, "c.jsonl"), src.Name())
}

func TestOpenMapsAWindowsSpecPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "vlmPhotoHouse", "metadata.sqlite")
	writeFile(t, dir, "vlmPhotoHouse/keep", "")
	makeVLMPH(t, db, []vlmphRow{{id: 1, path: `E:\a.jpg`, hash: sha('a')}})
	src, err := Open(`vlmph:E:\vlmPhotoHouse\metadata.sqlite`, mustPathMap(t, "E:/="+dir), testLog(t))
	require.NoError(t, err)
	assert.Equal(t, "vlmph:"+db, src.Name())
	got, _ := scanAll(t, src)
	require.Len(t, got, 1)
	assert.Equal(t, filepath.Join(dir, "a.jpg"), got[0].Path)
}
