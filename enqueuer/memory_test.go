package enqueuer

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// plannerMem is the result of one run of testdata/plannermem.
type plannerMem struct {
	Assets        int     `json:"assets"`
	Tasks         int     `json:"tasks"`
	PeakHeapBytes uint64  `json:"peak_heap_bytes"`
	Seconds       float64 `json:"seconds"`
}

var (
	plannerMemOnce sync.Once
	plannerMemBin  string
	plannerMemErr  error
)

// measurePlanner builds testdata/plannermem without the race detector (once per test binary)
// and runs it on a catalog of n photos, in a process of its own: the heap it reports is the
// planner's alone, not that of tests running beside it.
func measurePlanner(tb testing.TB, n int) plannerMem {
	tb.Helper()
	plannerMemOnce.Do(func() {
		dir, err := filepath.Abs("testdata/plannermem")
		if err != nil {
			plannerMemErr = err
			return
		}
		plannerMemBin = filepath.Join(tb.TempDir(), "plannermem")
		out, err := exec.Command("go", "build", "-o", plannerMemBin, dir).CombinedOutput()
		if err != nil {
			plannerMemErr = fmt.Errorf("building plannermem: %v\n%s", err, out)
		}
	})
	require.NoError(tb, plannerMemErr)
	out, err := exec.Command(plannerMemBin, "-n", strconv.Itoa(n), "-dir", tb.TempDir()).Output()
	require.NoError(tb, err, "plannermem: %s", out)
	var m plannerMem
	require.NoError(tb, json.Unmarshal(out, &m), "%s", out)
	return m
}

// TestEnqueueStreamsInBoundedMemory plans a 100,000-photo catalog against a real store in a
// process of its own, without the race detector: the heap stays far below what holding the
// catalog or its 200,000 tasks would take (about 80 MiB), so a planner that buffered them
// fails here.
func TestEnqueueStreamsInBoundedMemory(t *testing.T) {
	t.Parallel()
	const n = 100_000
	m := measurePlanner(t, n)
	require.Equal(t, n, m.Assets)
	require.Equal(t, 2*n, m.Tasks)
	t.Logf("%d assets planned in %.1f s, heap peaked at %.1f MiB", n, m.Seconds, float64(m.PeakHeapBytes)/(1<<20))
	require.Less(t, m.PeakHeapBytes, uint64(16<<20), "the heap grew with the catalog")
}

// BenchmarkPlannerMemory reports the planner's peak heap on a 1,000,000-photo catalog (a dry
// run against a real SQLite store, in a process of its own).
func BenchmarkPlannerMemory(b *testing.B) {
	var m plannerMem
	for range b.N {
		m = measurePlanner(b, 1_000_000)
	}
	b.ReportMetric(float64(m.PeakHeapBytes)/(1<<20), "peak_heap_MiB")
	b.ReportMetric(float64(m.Assets)/m.Seconds, "assets/s")
}
