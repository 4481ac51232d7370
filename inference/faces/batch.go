package faces

import (
	"context"
	"errors"
	"time"
)

// ErrClosed is returned by calls that reach a Pipeline after Close (a shutdown, not bad
// input: the task can run again elsewhere).
var ErrClosed = errors.New("faces: pipeline is closed")

// runBatch runs len(ins) items at once, writing item i's result into outs[i].
type runBatch func(ins, outs [][]float32) error

// batcher is a micro-batcher: concurrent callers hand it one item each, and one goroutine
// runs them in groups of up to maxBatch, waiting at most maxWait after the first item of a
// group for others to join. Items that arrive while a group runs form the next one, so
// under load groups fill without waiting. Every caller gets its own output and its own
// error; an item whose context ends before its group runs is left out with ctx.Err().
type batcher struct {
	maxBatch       int
	maxWait        time.Duration
	run            runBatch
	reqs           chan *batchReq
	quit, finished chan struct{}
}

type batchReq struct {
	ctx     context.Context
	in, out []float32
	err     chan error
}

func newBatcher(maxBatch int, maxWait time.Duration, run runBatch) *batcher {
	b := &batcher{
		maxBatch: maxBatch, maxWait: maxWait, run: run,
		reqs: make(chan *batchReq), quit: make(chan struct{}), finished: make(chan struct{}),
	}
	go b.loop()
	return b
}

// do runs one item and writes its result into out.
func (b *batcher) do(ctx context.Context, in, out []float32) error {
	req := &batchReq{ctx: ctx, in: in, out: out, err: make(chan error, 1)}
	select {
	case b.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.quit:
		return ErrClosed
	}
	// Once taken, an item always gets an answer soon: it runs within maxWait plus one
	// run, or is answered with its context's error or ErrClosed.
	return <-req.err
}

func (b *batcher) loop() {
	defer close(b.finished)
	group := make([]*batchReq, 0, b.maxBatch)
	ins := make([][]float32, 0, b.maxBatch)
	outs := make([][]float32, 0, b.maxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var first *batchReq
		select {
		case first = <-b.reqs:
		case <-b.quit:
			return
		}
		group = append(group[:0], first)
		timer.Reset(b.maxWait)
	fill:
		for len(group) < b.maxBatch {
			select {
			case r := <-b.reqs:
				group = append(group, r)
			case <-timer.C:
				break fill
			case <-b.quit:
				break fill
			}
		}
		timer.Stop()
		b.runGroup(group, ins, outs)
	}
}

func (b *batcher) runGroup(group []*batchReq, ins, outs [][]float32) {
	live := group[:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.err <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	ins, outs = ins[:0], outs[:0]
	for _, r := range live {
		ins = append(ins, r.in)
		outs = append(outs, r.out)
	}
	err := b.run(ins, outs)
	for _, r := range live {
		r.err <- err
	}
}

// close stops the runner after the group in progress; later calls get ErrClosed.
func (b *batcher) close() {
	close(b.quit)
	<-b.finished
}
