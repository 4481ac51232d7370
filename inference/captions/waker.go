package captions

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// subscriptionLinger is how long the subscription outlives the last waiter, so that a
// process whose waiters come and go does not resubscribe (and miss grants) each time.
const subscriptionLinger = 10 * time.Second

// waker delivers grants to this process's waiters: the ids a release script returns (when
// this process released) and the ids published on the semaphore's channel (when another
// did). It subscribes only while someone waits, and a little longer.
type waker struct {
	rdb     redis.UniversalClient
	channel string
	linger  time.Duration

	mu      sync.Mutex
	waiting map[string]chan struct{}
	subs    int
	sub     *redis.PubSub
	closer  *time.Timer
}

func (w *waker) init(rdb redis.UniversalClient, channel string) {
	w.rdb, w.channel, w.linger = rdb, channel, subscriptionLinger
	w.waiting = map[string]chan struct{}{}
}

// register returns the channel on which id hears that it was granted a slot.
func (w *waker) register(id string) <-chan struct{} {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	w.waiting[id] = ch
	w.mu.Unlock()
	return ch
}

func (w *waker) unregister(id string) {
	w.mu.Lock()
	delete(w.waiting, id)
	w.mu.Unlock()
}

// grant signals the local waiters among ids.
func (w *waker) grant(ids []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range ids {
		if ch, ok := w.waiting[id]; ok {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// subscribe makes sure grants published by other processes are heard.
func (w *waker) subscribe() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.subs++
	if w.closer != nil {
		w.closer.Stop()
		w.closer = nil
	}
	if w.sub == nil {
		w.sub = w.rdb.Subscribe(context.Background(), w.channel)
		go w.loop(w.sub.Channel())
	}
}

// unsubscribe drops the subscription a while after the last waiter stopped waiting.
func (w *waker) unsubscribe() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.subs--
	if w.subs > 0 || w.sub == nil {
		return
	}
	sub := w.sub
	w.closer = time.AfterFunc(w.linger, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.subs == 0 && w.sub == sub {
			_ = sub.Close()
			w.sub = nil
		}
	})
}

func (w *waker) loop(msgs <-chan *redis.Message) {
	for m := range msgs {
		w.grant(strings.Fields(m.Payload))
	}
}
