package worker

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
)

// Serve serves the metrics at /metrics on ln until ctx ends, logging the URL once. It returns
// at once; the func it returns waits until the server has stopped (after ctx ends).
func (m *Metrics) Serve(ctx context.Context, ln net.Listener, log zerolog.Logger) (wait func()) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Info().Str("url", "http://"+ln.Addr().String()+"/metrics").Msg("worker metrics listening")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("metrics server stopped")
		}
	}()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	return wg.Wait
}
