package worker

import (
	"context"
	"errors"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/tasks"
)

// Metrics are one worker's Prometheus metrics, on a registry of its own (no globals).
type Metrics struct {
	Registry       *prometheus.Registry
	duration       *prometheus.HistogramVec
	admissionWaits prometheus.Counter
	batchSize      prometheus.Histogram
	facesRejected  prometheus.Counter
}

// NewMetrics registers the worker's metrics: task durations per kind and outcome, tasks in
// flight per queue (read from inFlight on scrape), face embedding batch sizes, detections the faces' second check rejected, GPU memory
// admission waits, and, when dev names a GPU, its memory, utilisation, temperature and power
// read from p on scrape.
func NewMetrics(inFlight func() map[string]int, p gpu.Provider, dev gpu.DeviceInfo) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mediafleet_task_duration_seconds",
			Help:    "Time one task took, by kind and outcome (ok, retry, archived).",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 12),
		}, []string{"kind", "outcome"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mediafleet_face_embedding_batch_size",
			Help:    "Faces per embedding run (1 for a fixed-batch model; more when concurrent tasks share a run).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
		}),
		admissionWaits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mediafleet_gpu_admission_waits_total",
			Help: "Tasks put back because the GPU had too little free memory for them.",
		}),
		facesRejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mediafleet_faces_rejected_total",
			Help: "Detections the second check turned away (animals' faces, objects that look like faces), not stored.",
		}),
	}
	m.Registry.MustRegister(m.duration, m.admissionWaits, m.batchSize, m.facesRejected, &inFlightCollector{inFlight: inFlight})
	if p != nil && dev.IsGPU() {
		m.Registry.MustRegister(&gpuCollector{p: p, uuid: dev.UUID})
	}
	return m
}

// ObserveRejected counts detections that the faces' second check turned away.
func (m *Metrics) ObserveRejected(n int) { m.facesRejected.Add(float64(n)) }

// ObserveBatch records the size of one face embedding run; it fits faces.BatchConfig.OnBatch.
func (m *Metrics) ObserveBatch(size int) { m.batchSize.Observe(float64(size)) }

// Observe records one finished run; it fits Config.Observe.
func (m *Metrics) Observe(queue string, took time.Duration, err error) {
	outcome := "ok"
	switch {
	case err == nil:
	case errors.Is(err, asynq.SkipRetry):
		outcome = "archived"
	default:
		outcome = "retry"
	}
	if errors.Is(err, gpu.ErrInsufficientVRAM) {
		m.admissionWaits.Inc()
	}
	kind := queue
	for _, k := range tasks.AllKinds() {
		if len(queue) >= len(k) && queue[len(queue)-len(k):] == string(k) {
			kind = string(k)
		}
	}
	m.duration.WithLabelValues(kind, outcome).Observe(took.Seconds())
}

var inFlightDesc = prometheus.NewDesc("mediafleet_tasks_in_flight", "Tasks running now, by queue.", []string{"queue"}, nil)

type inFlightCollector struct{ inFlight func() map[string]int }

func (c *inFlightCollector) Describe(ch chan<- *prometheus.Desc) { ch <- inFlightDesc }
func (c *inFlightCollector) Collect(ch chan<- prometheus.Metric) {
	for q, n := range c.inFlight() {
		ch <- prometheus.MustNewConstMetric(inFlightDesc, prometheus.GaugeValue, float64(n), q)
	}
}

var (
	gpuMemDesc   = prometheus.NewDesc("mediafleet_gpu_memory_bytes", "GPU memory by state (total, used, free).", []string{"gpu", "state"}, nil)
	gpuUtilDesc  = prometheus.NewDesc("mediafleet_gpu_utilization_ratio", "GPU utilisation, 0 to 1.", []string{"gpu"}, nil)
	gpuTempDesc  = prometheus.NewDesc("mediafleet_gpu_temperature_celsius", "GPU temperature.", []string{"gpu"}, nil)
	gpuPowerDesc = prometheus.NewDesc("mediafleet_gpu_power_watts", "GPU power draw.", []string{"gpu"}, nil)
)

type gpuCollector struct {
	p    gpu.Provider
	uuid string
}

func (c *gpuCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- gpuMemDesc
	ch <- gpuUtilDesc
	ch <- gpuTempDesc
	ch <- gpuPowerDesc
}

func (c *gpuCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d, err := c.p.Device(ctx, c.uuid)
	if err != nil {
		return
	}
	for state, v := range map[string]uint64{"total": d.MemoryTotal, "used": d.MemoryUsed, "free": d.MemoryFree} {
		ch <- prometheus.MustNewConstMetric(gpuMemDesc, prometheus.GaugeValue, float64(v), c.uuid, state)
	}
	ch <- prometheus.MustNewConstMetric(gpuUtilDesc, prometheus.GaugeValue, float64(d.UtilizationGPU)/100, c.uuid)
	ch <- prometheus.MustNewConstMetric(gpuTempDesc, prometheus.GaugeValue, float64(d.TemperatureC), c.uuid)
	ch <- prometheus.MustNewConstMetric(gpuPowerDesc, prometheus.GaugeValue, d.PowerW, c.uuid)
}
