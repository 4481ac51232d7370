package faces

import (
	"context"
	"fmt"

	"golang.org/x/sync/semaphore"
)

// DefaultDecodeBudget is the decode memory a Pipeline shares among its concurrent calls
// when Config.DecodeBudget is zero: enough for a few 12-megapixel photos at once, and for
// one 100-megapixel image decoded at the size its faces need.
const DefaultDecodeBudget = 384 << 20

// budget is the decode memory of one process, in bytes, shared by every call in flight.
// A decode reserves what it will hold at its peak (pixels, decoder buffers, the file when
// it is read whole) before it starts and gives it back when its pixels are no longer
// needed; a call that does not fit waits its turn (first come, first served), and one that
// could never fit is refused as too large, with the numbers in its reason.
type budget struct {
	total int64
	sem   *semaphore.Weighted
}

func newBudget(total int64) *budget {
	return &budget{total: total, sem: semaphore.NewWeighted(total)}
}

// reserve waits for n bytes of the budget and returns the function that gives them back.
// A request larger than the whole budget is an *ImageError of kind ErrTooLarge for path.
func (b *budget) reserve(ctx context.Context, path, what string, n int64) (func(), error) {
	n = max(n, 1)
	if n > b.total {
		return nil, imageError(path, ErrTooLarge, nil,
			"decoding %s needs about %s of memory, more than this worker's decode budget of %s (faces.decode_budget_mib)",
			what, mib(n), mib(b.total))
	}
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { b.sem.Release(n) }, nil
}

// mib formats a byte count for people.
func mib(n int64) string { return fmt.Sprintf("%d MiB", (n+1<<20-1)>>20) }
