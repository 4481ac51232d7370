package catalog

import (
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vlmphSchema is the shape of vlmPhotoHouse's assets table.
const vlmphSchema = `CREATE TABLE assets (
	id INTEGER PRIMARY KEY,
	path TEXT NOT NULL UNIQUE,
	hash_sha256 TEXT,
	perceptual_hash TEXT,
	mime TEXT,
	width INTEGER,
	height INTEGER,
	duration_sec REAL,
	fps REAL,
	file_size INTEGER,
	status TEXT NOT NULL DEFAULT 'active',
	created_at DATETIME DEFAULT CURRENT_TIMESTAMP
)`

type vlmphRow struct {
	id                 int
	path               string
	hash, mime, status any
}

// openRW opens (or creates) a SQLite file for writing.
func openRW(t *testing.T, file string) *sql.DB {
	t.Helper()
	u := url.URL{Path: file}
	db, err := sql.Open("sqlite", "file:"+u.EscapedPath())
	require.NoError(t, err)
	return db
}

// makeVLMPH writes a vlmPhotoHouse-shaped catalog with the given rows.
func makeVLMPH(t *testing.T, file string, rows []vlmphRow) {
	t.Helper()
	db := openRW(t, file)
	defer db.Close()
	_, err := db.Exec(vlmphSchema)
	require.NoError(t, err)
	for _, r := range rows {
		status := r.status
		if status == nil {
			status = "active"
		}
		_, err := db.Exec(`INSERT INTO assets(id, path, hash_sha256, mime, width, height, status) VALUES (?,?,?,?,640,480,?)`,
			r.id, r.path, r.hash, r.mime, status)
		require.NoError(t, err)
	}
}

func TestVLMPHSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "d/real/photo.jpg", "twelve bytes")
	db := filepath.Join(dir, "相册 #1?.db") // the name needs escaping in a SQLite URI
	makeVLMPH(t, db, []vlmphRow{          // inserted out of order: Scan goes by id
		{id: 9, path: `E:/x.jpg`, hash: "xyz", mime: "image/jpeg"},
		{id: 1, path: `E:/01_INCOMING\Jane\x.jpg`, hash: sha('a'), mime: "image/jpeg"},
		{id: 2, path: `E:\视频\家庭\生日.mp4`, hash: sha('b'), mime: "video/mp4"},
		{id: 3, path: `e:\Photos\lower.JPG`, hash: sha('c')},
		{id: 4, path: `E:/01_INCOMING\Jane\hidden.jpg`, hash: sha('d'), mime: "image/jpeg", status: "suppressed"},
		{id: 5, path: `E:\docs\scan.pdf`, hash: sha('e'), mime: "application/pdf"},
		{id: 6, path: `D:\real\photo.jpg`, mime: "image/jpeg"},
		{id: 7, path: `D:/real/gone.jpg`, mime: "image/jpeg"},
		{id: 8, path: `F:/elsewhere.mov`, hash: sha('f'), mime: "video/quicktime"},
		{id: 10, path: `E:/clips/a.MKV`, hash: sha('0')},
		{id: 11, path: `E:/notes.txt`, hash: sha('1')},
	})
	pm := mustPathMap(t, "E:/=/mnt/e/", "D:/real="+filepath.Join(dir, "d/real"))
	src, err := Open("vlmph:"+db, pm, testLog(t))
	require.NoError(t, err)
	assert.Equal(t, "vlmph:"+db, src.Name())

	got, stats := scanAll(t, src)
	var ids, paths []string
	for _, a := range got {
		ids = append(ids, a.ID)
		paths = append(paths, a.Path)
	}
	assert.Equal(t, []string{"1", "2", "3", "6", "10"}, ids)
	assert.Equal(t, []string{
		"/mnt/e/01_INCOMING/Jane/x.jpg",
		"/mnt/e/视频/家庭/生日.mp4",
		"/mnt/e/Photos/lower.JPG",
		filepath.Join(dir, "d/real/photo.jpg"),
		"/mnt/e/clips/a.MKV",
	}, paths)
	assert.Equal(t, map[string]int{
		SkipInactive: 1, SkipMime: 1, SkipMissingNoHash: 1, SkipUnmapped: 1, SkipBadHash: 1, SkipNotMedia: 1,
	}, stats.Skipped)
	assert.Equal(t, 11, stats.Seen)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "the catalog is found under its own name, nothing is created beside it")

	m := byPath(got)
	v := m["/mnt/e/视频/家庭/生日.mp4"]
	assert.Equal(t, Video, v.Media)
	assert.Equal(t, "video/mp4", v.Mime)
	assert.Equal(t, sha('b'), v.SHA256)
	assert.Equal(t, `E:\视频\家庭\生日.mp4`, v.SourcePath)

	lower := m["/mnt/e/Photos/lower.JPG"]
	assert.Equal(t, Image, lower.Media, "no mime: the extension decides")
	assert.Equal(t, "image/jpeg", lower.Mime)

	mkv := m["/mnt/e/clips/a.MKV"]
	assert.Equal(t, Video, mkv.Media)
	assert.Equal(t, "video/x-matroska", mkv.Mime)

	real := m[filepath.Join(dir, "d/real/photo.jpg")]
	assert.Equal(t, int64(len("twelve bytes")), real.Size)
	assert.False(t, real.ModTime.IsZero())
	assert.Empty(t, real.SHA256)
}

// makeWALCatalog writes a one-row catalog in WAL mode, as vlmPhotoHouse keeps it, and
// returns its bytes.
func makeWALCatalog(t *testing.T, db string) []byte {
	t.Helper()
	makeVLMPH(t, db, []vlmphRow{{id: 1, path: "/p/a.jpg", hash: sha('a')}})
	conn, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	_, err = conn.Exec(`PRAGMA journal_mode=WAL`)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	data, err := os.ReadFile(db)
	require.NoError(t, err)
	require.Equal(t, byte(2), data[18], "the file is in WAL mode")
	return data
}

func TestVLMPHSourceDoesNotWrite(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "catalog.db")
	before := makeWALCatalog(t, db)
	require.NoError(t, os.Chmod(db, 0o444))
	src, err := Open("vlmph:"+db, PathMap{}, testLog(t))
	require.NoError(t, err)
	got, _ := scanAll(t, src)
	require.Len(t, got, 1)
	after, err := os.ReadFile(db)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the catalog is not written")
}

// TestVLMPHSourceReadOnlyDir reads a WAL-mode catalog from a directory it cannot write (a
// read-only mount of the library), where SQLite cannot create the -shm file.
func TestVLMPHSourceReadOnlyDir(t *testing.T) {
	if db, ok := childArg(); ok {
		src, err := NewVLMPHSource(db, PathMap{}, testLog(t))
		require.NoError(t, err)
		require.True(t, src.immutable || os.Geteuid() == 0)
		reportToParent(t, src)
		return
	}
	t.Parallel()
	base := t.TempDir()
	dir := filepath.Join(base, "ro")
	require.NoError(t, os.Mkdir(dir, 0o755))
	db := filepath.Join(dir, "catalog.db")
	makeWALCatalog(t, db)
	require.NoError(t, os.Chmod(db, 0o444))
	require.NoError(t, os.Chmod(dir, 0o555))
	t.Cleanup(func() { os.Chmod(dir, 0o755) })

	res := scanAsNobody(t, base, db, func() (Source, error) { return NewVLMPHSource(db, PathMap{}, testLog(t)) })
	assert.Equal(t, 1, res.Assets)
	assert.Empty(t, res.Skipped)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "nothing is created beside the catalog")
}

func TestVLMPHSourceOptionalColumns(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "old.db")
	conn, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	_, err = conn.Exec(`CREATE TABLE assets (id INTEGER PRIMARY KEY, path TEXT);
		INSERT INTO assets VALUES (2, '/p/b.mov'), (1, '/p/a.jpg'), (3, NULL)`)
	require.NoError(t, err)
	require.NoError(t, conn.Close())

	src, err := Open("vlmph:"+db, PathMap{}, testLog(t))
	require.NoError(t, err)
	got, stats := scanAll(t, src)
	// Neither file exists here and there is no hash column: both are skipped, the NULL path too.
	assert.Empty(t, got)
	assert.Equal(t, map[string]int{SkipMissingNoHash: 2, SkipNoPath: 1}, stats.Skipped)
}
