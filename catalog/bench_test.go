package catalog

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

// BenchmarkJSONLSourceScan measures a jsonl scan (parse, map, stat) per asset and reports
// it as a multiple of only reading the same file's lines, timed in the same run.
func BenchmarkJSONLSourceScan(b *testing.B) {
	const n = 50_000
	dir := b.TempDir()
	file := filepath.Join(dir, "c.jsonl")
	writeBigJSONL(b, file, n)
	src, err := Open("jsonl:"+file, mustPathMap(b, "E:/="+filepath.Join(dir, "not-mounted")), zerolog.Nop())
	require.NoError(b, err)

	readLines := func() time.Duration {
		start := time.Now()
		f, err := os.Open(file)
		require.NoError(b, err)
		defer f.Close()
		r := bufio.NewReaderSize(f, 64<<10)
		lines := 0
		for {
			_, err := r.ReadSlice('\n')
			if err == io.EOF {
				break
			}
			require.NoError(b, err)
			lines++
		}
		require.Equal(b, n, lines)
		return time.Since(start)
	}
	baseline := readLines()
	for range 2 {
		baseline = min(baseline, readLines())
	}

	b.ResetTimer()
	for b.Loop() {
		count := 0
		_, err := src.Scan(context.Background(), func(Asset) error { count++; return nil })
		require.NoError(b, err)
		require.Equal(b, n, count)
	}
	perScan := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perScan.Nanoseconds())/n, "ns/asset")
	b.ReportMetric(float64(n)/perScan.Seconds(), "assets/s")
	b.ReportMetric(float64(perScan)/float64(baseline), "x_read_lines")
}
