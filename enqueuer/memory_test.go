package enqueuer

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/tasks"
)

// TestEnqueueStreamsInBoundedMemory plans a large JSON-lines catalog against a real store and
// samples the heap while it runs: it stays far below what holding the catalog would take.
func TestEnqueueStreamsInBoundedMemory(t *testing.T) {
	t.Parallel()
	n := 300_000
	if raceEnabled {
		n = 60_000 // the race detector makes every step ~10x slower
	}
	path := filepath.Join(t.TempDir(), "catalog.jsonl")
	f, err := os.Create(path)
	require.NoError(t, err)
	w := bufio.NewWriter(f)
	for i := range n {
		h := sha256.Sum256([]byte(fmt.Sprint(i)))
		fmt.Fprintf(w, `{"path":"/library/%06d.jpg","sha256":"%s"}`+"\n", i, hex.EncodeToString(h[:]))
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())

	src, err := catalog.Open("jsonl:"+path, catalog.PathMap{}, zerolog.Nop())
	require.NoError(t, err)
	var (
		mu   sync.Mutex
		peak uint64
	)
	sample := func(Summary) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mu.Lock()
		peak = max(peak, ms.HeapInuse)
		mu.Unlock()
	}
	e, err := New(nil, storetest.SQLite(t), Options{Kinds: []tasks.Kind{tasks.Faces}, DryRun: true,
		Versions: map[tasks.Kind]string{tasks.Faces: "fr1"}, Task: map[tasks.Kind]tasks.Options{}, Progress: sample})
	require.NoError(t, err)
	s, err := e.Run(context.Background(), src)
	require.NoError(t, err)
	require.Equal(t, n, s.Assets)
	require.Equal(t, n, s.Enqueued)
	t.Logf("%d assets planned, heap in use peaked at %.1f MiB", n, float64(peak)/(1<<20))
	require.Less(t, peak, uint64(64<<20), "the heap grew with the catalog")
}
