package worker

import (
	"errors"

	"github.com/hibiken/asynq"

	"github.com/mediafleet/mediafleet/gpu"
)

// ErrQueueUnusable marks a failure after which this worker cannot run any more tasks of the
// queue (its inference session is gone and could not be rebuilt). A handler returns an error
// that matches it, or [gpu.ErrSessionLost]; the worker then stops serving that queue, logs why,
// shows it in the registry, and the task goes back to its queue for the rest of the fleet.
var ErrQueueUnusable = errors.New("this worker can no longer serve the queue")

func queueUnusable(err error) bool {
	return errors.Is(err, ErrQueueUnusable) || errors.Is(err, gpu.ErrSessionLost)
}

// stopQueue stops fetching tasks of queue and records the reason, once. The server's shutdown
// finishes in the background: this runs inside one of its handlers, and Shutdown waits for them.
func (f *Fleet) stopQueue(queue string, err error) {
	f.mu.Lock()
	if _, done := f.stopped[queue]; done {
		f.mu.Unlock()
		return
	}
	f.stopped[queue] = err.Error()
	srv := f.servers[queue]
	f.mu.Unlock()
	f.cfg.Log.Error().Str("queue", queue).Str("reason", err.Error()).
		Msg("this worker stops serving the queue; its tasks go to the rest of the fleet; restart the worker to serve it again")
	srv.Stop() // no new task from here on; it only waits for the fetch loop to notice
	f.stopping.Add(1)
	go f.shutdownOne(queue, srv)
}

// shutdownOne waits for a stopped server's tasks in the background; Run's own shutdown waits
// for it through f.stopping.
func (f *Fleet) shutdownOne(queue string, srv *asynq.Server) {
	defer f.stopping.Done()
	srv.Shutdown()
	f.cfg.Log.Info().Str("queue", queue).Msg("queue stopped")
}

// Stopped maps each queue this worker stopped serving while running to the reason.
func (f *Fleet) Stopped() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]string, len(f.stopped))
	for k, v := range f.stopped {
		out[k] = v
	}
	return out
}

// active lists the queues still served.
func (f *Fleet) active() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, q := range f.queues {
		if _, gone := f.stopped[q]; !gone {
			out = append(out, q)
		}
	}
	return out
}
