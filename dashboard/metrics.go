package dashboard

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mediafleet/mediafleet/internal/queuectl"
	"github.com/mediafleet/mediafleet/worker/registry"
)

// scrapeTimeout bounds the Redis reads of one scrape.
const scrapeTimeout = 10 * time.Second

// Collector exports the fleet's queues to Prometheus, read from asynq's Inspector on every
// scrape: tasks by state, latency, paused, memory, processed and failed totals, and the live
// workers with their concurrency. Register it with a private prometheus.Registry.
type Collector struct {
	ctl     *queuectl.Controller
	workers *registry.Registry

	up, tasks, latency, paused, memory, processed, failed, workerCount, concurrency *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a Collector for the queues of ctl and the workers in reg (nil: none).
func NewCollector(ctl *queuectl.Controller, reg *registry.Registry) *Collector {
	q := []string{"queue"}
	return &Collector{
		ctl: ctl, workers: reg,
		up:          prometheus.NewDesc("mediafleet_redis_up", "1 when the last scrape read every queue from Redis, else 0.", nil, nil),
		tasks:       prometheus.NewDesc("mediafleet_queue_tasks", "Tasks in the queue by state (pending, active, scheduled, retry, archived, completed, aggregating).", []string{"queue", "state"}, nil),
		latency:     prometheus.NewDesc("mediafleet_queue_latency_seconds", "How long the oldest pending task has waited.", q, nil),
		paused:      prometheus.NewDesc("mediafleet_queue_paused", "1 when the queue is paused.", q, nil),
		memory:      prometheus.NewDesc("mediafleet_queue_memory_bytes", "Approximate Redis memory the queue and its tasks use.", q, nil),
		processed:   prometheus.NewDesc("mediafleet_queue_processed_total", "Tasks processed since the queue began, failed ones included.", q, nil),
		failed:      prometheus.NewDesc("mediafleet_queue_failed_total", "Task runs that failed since the queue began.", q, nil),
		workerCount: prometheus.NewDesc("mediafleet_workers", "Live workers in the registry.", nil, nil),
		concurrency: prometheus.NewDesc("mediafleet_queue_worker_concurrency", "Sum of the live workers' concurrency for the queue.", q, nil),
	}
}

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.tasks, c.latency, c.paused, c.memory, c.processed, c.failed, c.workerCount, c.concurrency} {
		ch <- d
	}
}

// Collect reads the queues and workers now and sends their metrics. A queue that cannot be read
// is left out and mediafleet_redis_up reads 0.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	up := 1.0
	for _, q := range c.ctl.Queues() {
		s, err := c.ctl.State(ctx, q)
		if err != nil {
			up = 0
			continue
		}
		for state, n := range map[string]int{"pending": s.Pending, "active": s.Active, "scheduled": s.Scheduled,
			"retry": s.Retry, "archived": s.Archived, "completed": s.Completed} {
			ch <- prometheus.MustNewConstMetric(c.tasks, prometheus.GaugeValue, float64(n), q, state)
		}
		ch <- prometheus.MustNewConstMetric(c.latency, prometheus.GaugeValue, s.Latency.Seconds(), q)
		ch <- prometheus.MustNewConstMetric(c.paused, prometheus.GaugeValue, b2f(s.Paused), q)
		ch <- prometheus.MustNewConstMetric(c.memory, prometheus.GaugeValue, float64(s.MemoryBytes), q)
		ch <- prometheus.MustNewConstMetric(c.processed, prometheus.CounterValue, float64(s.ProcessedTotal), q)
		ch <- prometheus.MustNewConstMetric(c.failed, prometheus.CounterValue, float64(s.FailedTotal), q)
	}
	if c.workers != nil {
		ws, err := c.workers.List(ctx)
		if err != nil {
			up = 0
		} else {
			ch <- prometheus.MustNewConstMetric(c.workerCount, prometheus.GaugeValue, float64(len(ws)))
			sum := map[string]int{}
			for _, q := range c.ctl.Queues() {
				sum[q] = 0
			}
			for _, w := range ws {
				for _, q := range w.Queues {
					sum[q.Name] += q.Concurrency
				}
			}
			for q, n := range sum {
				ch <- prometheus.MustNewConstMetric(c.concurrency, prometheus.GaugeValue, float64(n), q)
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
