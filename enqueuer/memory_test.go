package enqueuer

import (
	"encoding/json"
	"fmt"
	"os"
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
	plannerMemMu  sync.Mutex
	plannerMemBin string
)

// measurePlanner builds testdata/plannermem without the race detector and runs it on a
// catalog of n photos, in a process of its own: the heap it reports is the planner's alone,
// not that of tests running beside it. The program lives in the temporary folder of the test
// or benchmark run that built it, so it is built again when that run's folder is gone (a
// benchmark runs its function more than once, each run with its own folder).
func measurePlanner(tb testing.TB, n int) plannerMem {
	tb.Helper()
	bin, err := plannerMemProgram(tb)
	require.NoError(tb, err)
	out, err := exec.Command(bin, "-n", strconv.Itoa(n), "-dir", tb.TempDir()).Output()
	require.NoError(tb, err, "plannermem: %s", out)
	var m plannerMem
	require.NoError(tb, json.Unmarshal(out, &m), "%s", out)
	return m
}

// plannerMemProgram is the built plannermem, built into tb's temporary folder when there is none.
func plannerMemProgram(tb testing.TB) (string, error) {
	plannerMemMu.Lock()
	defer plannerMemMu.Unlock()
	if _, err := os.Stat(plannerMemBin); plannerMemBin != "" && err == nil {
		return plannerMemBin, nil
	}
	dir, err := filepath.Abs("testdata/plannermem")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(tb.TempDir(), "plannermem")
	if out, err := exec.Command("go", "build", "-o", bin, dir).CombinedOutput(); err != nil {
		return "", fmt.Errorf("building plannermem: %v\n%s", err, out)
	}
	plannerMemBin = bin
	return bin, nil
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
