package worker

import (
	"context"

	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker/registry"
)

// RegistryInfo is what this worker publishes on a heartbeat: base (its identity and store) with
// each queue the fleet serves, in the order configured (its concurrency, tasks in flight, where
// they run, and why the worker stopped serving it if it did), and the pinned GPU read now (g nil:
// a CPU-only worker, no GPU).
func (f *Fleet) RegistryInfo(ctx context.Context, base registry.WorkerInfo, g *gpu.Setup) registry.WorkerInfo {
	info := base
	inFlight, stopped := f.InFlight(), f.Stopped()
	for _, q := range f.cfg.Queues {
		name := tasks.QueueName(f.cfg.Prefix, q.Kind)
		info.Queues = append(info.Queues, registry.QueueInfo{Name: name, Concurrency: q.Concurrency,
			InFlight: inFlight[name], Device: g.Device(string(q.Kind)), Stopped: stopped[name]})
	}
	if g != nil {
		d := g.Telemetry(ctx)
		info.GPU = &d
	}
	return info
}
