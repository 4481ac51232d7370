package catalog

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// streamHeapBound is the most heap a scan may hold. A source that loaded the catalog would
// hold an Asset and its strings (~300 bytes) per entry: several hundred MiB for the
// 1,000,000-line catalog, about 30 MiB for the 100,000 lines of a race-detector run.
const streamHeapBound = 16 << 20

// streamSizes are the catalog sizes of the streaming tests: jsonl lines, vlmPhotoHouse rows.
func streamSizes() (jsonl, vlmph int) {
	if raceEnabled {
		return 100_000, 20_000
	}
	return 1_000_000, 200_000
}

// heapProbe samples the heap in use, after a collection, every `every` assets.
type heapProbe struct {
	every, n int
	max      uint64
	last     Asset
}

func (h *heapProbe) yield(a Asset) error {
	h.n++
	h.last = a
	if h.n%h.every == 0 {
		h.sample()
	}
	return nil
}

func (h *heapProbe) sample() {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.max = max(h.max, ms.HeapInuse)
}

// appendHex writes i as 64 hex digits, a stand-in content hash.
func appendHex(b []byte, i int) []byte {
	s := strconv.FormatInt(int64(i), 16)
	for range 64 - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

// These tests run one at a time (no t.Parallel) so the heap they measure is their own.

func TestJSONLSourceStreamsInBoundedMemory(t *testing.T) {
	n, _ := streamSizes()
	start0 := time.Now()
	dir := t.TempDir()
	file := filepath.Join(dir, "big.jsonl")
	writeBigJSONL(t, file, n)
	t.Logf("written after %v", time.Since(start0))
	src, err := Open("jsonl:"+file, mustPathMap(t, "E:/="+filepath.Join(dir, "not-mounted")), testLog(t))
	require.NoError(t, err)
	h := &heapProbe{every: n / 10}
	h.sample()
	stats, err := src.Scan(context.Background(), h.yield)
	require.NoError(t, err)
	assert.Equal(t, n, h.n)
	assert.Equal(t, n, stats.Seen)
	assert.Empty(t, stats.Skipped)
	last := strconv.Itoa(n - 1)
	assert.Equal(t, filepath.Join(dir, "not-mounted/library", strconv.Itoa((n-1)%1000), "照片 "+last+".jpg"), h.last.Path)
	assert.Equal(t, last, h.last.ID)
	t.Logf("%d assets, heap in use at most %.1f MiB, %v", h.n, float64(h.max)/(1<<20), time.Since(start0))
	assert.Less(t, h.max, uint64(streamHeapBound), "heap in use while streaming")
}

func TestVLMPHSourceStreamsInBoundedMemory(t *testing.T) {
	_, n := streamSizes()
	start0 := time.Now()
	db := filepath.Join(t.TempDir(), "big.db")
	conn := openRW(t, db)
	_, err := conn.Exec(vlmphSchema)
	require.NoError(t, err)
	// Rows made inside SQLite: one in ten a video, one in a hundred suppressed.
	_, err = conn.Exec(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < ?)
		INSERT INTO assets(id, path, hash_sha256, mime, status)
		SELECT i,
			CASE WHEN i % 10 = 0 THEN 'E:/videos\' || i || '.mp4' ELSE 'E:\library\照片 ' || i || '.jpg' END,
			printf('%064x', i),
			CASE WHEN i % 10 = 0 THEN 'video/mp4' ELSE 'image/jpeg' END,
			CASE WHEN i % 100 = 0 THEN 'suppressed' ELSE 'active' END
		FROM c`, n)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	t.Logf("written after %v", time.Since(start0))

	src, err := Open("vlmph:"+db, mustPathMap(t, "E:/=/mnt/e"), testLog(t))
	require.NoError(t, err)
	h := &heapProbe{every: n / 10}
	h.sample()
	stats, err := src.Scan(context.Background(), h.yield)
	require.NoError(t, err)
	assert.Equal(t, n-n/100, h.n)
	assert.Equal(t, map[string]int{SkipInactive: n / 100}, stats.Skipped)
	assert.Equal(t, "/mnt/e/library/照片 "+strconv.Itoa(n-1)+".jpg", h.last.Path)
	t.Logf("%d assets, heap in use at most %.1f MiB, %v", h.n, float64(h.max)/(1<<20), time.Since(start0))
	assert.Less(t, h.max, uint64(streamHeapBound), "heap in use while streaming")
}

// writeBigJSONL writes n lines of Windows paths under E:/ with content hashes.
func writeBigJSONL(t testing.TB, file string, n int) {
	t.Helper()
	f, err := os.Create(file)
	require.NoError(t, err)
	w := bufio.NewWriterSize(f, 1<<20)
	var line []byte
	for i := range n {
		line = append(line[:0], `{"id":`...)
		line = strconv.AppendInt(line, int64(i), 10)
		line = append(line, `,"path":"E:\\library\\`...)
		line = strconv.AppendInt(line, int64(i%1000), 10)
		line = append(line, `\\照片 `...)
		line = strconv.AppendInt(line, int64(i), 10)
		line = append(line, `.jpg","sha256":"`...)
		line = appendHex(line, i)
		line = append(line, "\"}\n"...)
		_, err := w.Write(line)
		require.NoError(t, err)
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
}
