package captions

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// waker turns release messages on a Redis channel into a broadcast to this process's waiters.
// It subscribes only while someone waits, so an idle process holds no extra connection.
type waker struct {
	rdb     redis.UniversalClient
	channel string

	mu   sync.Mutex
	refs int
	sub  *redis.PubSub
	gen  chan struct{} // closed and replaced on each message
}

func (w *waker) init(rdb redis.UniversalClient, channel string) {
	w.rdb, w.channel = rdb, channel
	w.gen = make(chan struct{})
}

// join registers a waiter, subscribing when it is the first.
func (w *waker) join() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refs++
	if w.refs > 1 {
		return
	}
	w.sub = w.rdb.Subscribe(context.Background(), w.channel)
	go w.loop(w.sub.Channel())
}

// leave unregisters a waiter, unsubscribing when it was the last.
func (w *waker) leave() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refs--
	if w.refs == 0 && w.sub != nil {
		_ = w.sub.Close()
		w.sub = nil
	}
}

// current is closed at the next release heard.
func (w *waker) current() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.gen
}

func (w *waker) loop(msgs <-chan *redis.Message) {
	for range msgs {
		w.mu.Lock()
		close(w.gen)
		w.gen = make(chan struct{})
		w.mu.Unlock()
	}
}
