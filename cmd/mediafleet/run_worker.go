package main

import (
	"context"
	"net"
	"sync"

	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/internal/redact"
	"github.com/mediafleet/mediafleet/worker/registry"
)

// runWorker runs the fleet with its companions: the registry heartbeat and, when configured,
// the metrics server. All of them stop when the fleet does.
func (a *app) runWorker(ctx context.Context, cfg *configs.Config, w *runningWorker, untilEmpty bool) error {
	timing := registry.DefaultTiming(cfg.Worker.Heartbeat, cfg.Worker.HeartbeatTTL)
	if err := timing.Validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()

	if cfg.Worker.MetricsListen != "" {
		ln, err := net.Listen("tcp", cfg.Worker.MetricsListen)
		if err != nil {
			return err
		}
		wait := w.metrics.Serve(ctx, ln, a.log) // stops when ctx ends
		defer wait()
	}

	reg, base := w.reg, w.info
	base.Store = redact.URL(cfg.StorePath())
	snapshot := func() registry.WorkerInfo { return w.fleet.RegistryInfo(context.Background(), base, w.gpu) }
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := reg.RunFenced(ctx, timing, snapshot, w.fleet.Fence); err != nil {
			a.log.Warn().Err(err).Msg("worker registry")
		}
	}()
	go func() {
		defer wg.Done()
		reg.RunRecovery(ctx, base.ID, timing)
	}()

	err := w.fleet.Run(ctx, untilEmpty)
	cancel()
	return err
}
