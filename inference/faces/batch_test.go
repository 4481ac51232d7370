package faces

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// double is a stand-in model for the batcher's own tests: it doubles each input and records
// the size of every group it ran.
type double struct {
	mu     sync.Mutex
	groups []int
	fail   func(group int) error
}

func (d *double) run(ins, outs [][]float32) error {
	d.mu.Lock()
	g := len(d.groups)
	d.groups = append(d.groups, len(ins))
	d.mu.Unlock()
	if d.fail != nil {
		if err := d.fail(g); err != nil {
			return err
		}
	}
	for i := range ins {
		for j := range ins[i] {
			outs[i][j] = 2 * ins[i][j]
		}
	}
	return nil
}

func (d *double) sizes() []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]int(nil), d.groups...)
}

// call runs n callers at once; caller i sends {i, -i} and gets its result and error back.
func call(b *batcher, n int) ([][]float32, []error) {
	outs := make([][]float32, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			outs[i] = make([]float32, 2)
			errs[i] = b.do(context.Background(), []float32{float32(i), -float32(i)}, outs[i])
		})
	}
	wg.Wait()
	return outs, errs
}

func TestBatcherFillsGroupsAndAnswersEachCaller(t *testing.T) {
	t.Parallel()
	d := &double{}
	b := newBatcher(8, time.Hour, d.run) // a group closes only when full
	defer b.close()
	outs, errs := call(b, 32)
	for i := range 32 {
		require.NoError(t, errs[i])
		require.Equal(t, []float32{2 * float32(i), -2 * float32(i)}, outs[i], "caller %d", i)
	}
	require.Equal(t, []int{8, 8, 8, 8}, d.sizes())
}

func TestBatcherStopsWaitingAfterMaxWait(t *testing.T) {
	t.Parallel()
	d := &double{}
	b := newBatcher(8, time.Millisecond, d.run)
	defer b.close()
	out := make([]float32, 2)
	require.NoError(t, b.do(context.Background(), []float32{1, 2}, out))
	require.Equal(t, []float32{2, 4}, out)
	require.Equal(t, []int{1}, d.sizes())
}

func TestBatcherErrorGoesToTheCallersOfThatGroup(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	d := &double{fail: func(g int) error {
		if g == 0 {
			return boom
		}
		return nil
	}}
	b := newBatcher(4, time.Hour, d.run)
	defer b.close()
	outs, errs := call(b, 8)
	failed := 0
	for i := range 8 {
		if errs[i] != nil {
			require.ErrorIs(t, errs[i], boom)
			failed++
			continue
		}
		require.Equal(t, []float32{2 * float32(i), -2 * float32(i)}, outs[i])
	}
	require.Equal(t, 4, failed)
	require.Equal(t, []int{4, 4}, d.sizes())
}

func TestBatcherLeavesOutCancelledCallers(t *testing.T) {
	t.Parallel()
	d := &double{}
	b := newBatcher(2, 20*time.Millisecond, d.run)
	defer b.close()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, b.do(ctx, []float32{1, 1}, make([]float32, 2)), context.Canceled)

	// A caller cancelled while its group is forming is left out of the run.
	ctx, cancel = context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var errA error
	wg.Go(func() { errA = b.do(ctx, []float32{7, 7}, make([]float32, 2)) })
	cancel()
	out := make([]float32, 2)
	require.NoError(t, b.do(context.Background(), []float32{3, 4}, out))
	wg.Wait()
	require.ErrorIs(t, errA, context.Canceled)
	require.Equal(t, []float32{6, 8}, out)
	for _, n := range d.sizes() {
		require.Equal(t, 1, n, "the cancelled caller never ran")
	}
}

// TestBatcherCloseNeverStrandsACaller: a caller racing Close either ran (its group was
// forming and runs before the batcher stops) or is refused; later calls are refused.
func TestBatcherCloseNeverStrandsACaller(t *testing.T) {
	t.Parallel()
	for range 20 {
		d := &double{}
		b := newBatcher(8, time.Hour, d.run)
		out := make([]float32, 2)
		done := make(chan error)
		go func() { done <- b.do(context.Background(), []float32{1, 2}, out) }()
		b.close()
		if err := <-done; err != nil {
			require.ErrorIs(t, err, ErrClosed)
		} else {
			require.Equal(t, []float32{2, 4}, out)
		}
		require.ErrorIs(t, b.do(context.Background(), []float32{1, 2}, out), ErrClosed)
	}
}
