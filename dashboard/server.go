package dashboard

import (
	"context"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	"github.com/redis/go-redis/v9"
)

// MonitoringPath is where asynqmon is mounted.
const MonitoringPath = "/monitoring"

// Options wires a dashboard.
type Options struct {
	Redis    asynq.RedisConnOpt
	ReadOnly bool
}

// Handler serves the dashboard's routes. Close releases asynqmon's Redis connections.
type Handler struct {
	mux *http.ServeMux
	mon *asynqmon.HTTPHandler
	rdb redis.UniversalClient
}

// New builds the dashboard's handler.
func New(o Options) *Handler {
	mon := asynqmon.New(asynqmon.Options{RootPath: MonitoringPath, RedisConnOpt: o.Redis, ReadOnly: o.ReadOnly})
	h := &Handler{mux: http.NewServeMux(), mon: mon}
	if c, ok := o.Redis.MakeRedisClient().(redis.UniversalClient); ok {
		h.rdb = c
	}
	h.mux.Handle(MonitoringPath+"/", mon)
	h.mux.HandleFunc("/healthz", h.healthz)
	h.mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, MonitoringPath+"/", http.StatusFound)
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Close releases the Redis connections.
func (h *Handler) Close() error {
	if h.rdb != nil {
		h.rdb.Close()
	}
	return h.mon.Close()
}

func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if h.rdb == nil || h.rdb.Ping(ctx).Err() != nil {
		http.Error(w, "redis unreachable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
