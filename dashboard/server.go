package dashboard

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/internal/queuectl"
	"github.com/mediafleet/mediafleet/worker/registry"
	"github.com/mediafleet/mediafleet/worker/stats"
)

// MonitoringPath is where asynqmon is mounted.
const MonitoringPath = "/monitoring"

// DefaultArchivedShown is how many of the newest archived tasks the fleet page lists.
const DefaultArchivedShown = 10

// Options wires a dashboard.
type Options struct {
	// Redis is the fleet's Redis (required).
	Redis asynq.RedisConnOpt
	// Prefix is the fleet's queue prefix; the page, /metrics and the buttons cover its queues
	// (asynqmon shows every queue in Redis).
	Prefix string
	// Credentials, when configured, are required on every route but /healthz.
	Credentials Credentials
	// ReadOnly turns off every action: asynqmon's, the fleet page's buttons and POST endpoints.
	ReadOnly bool
	// WindowMinutes is the throughput window (stats.DefaultWindowMinutes when 0).
	WindowMinutes int
	// Clock tells the time for throughput and ETA; nil is time.Now.
	Clock stats.Clock
	// ArchivedShown is how many archived tasks the page lists (DefaultArchivedShown when 0).
	ArchivedShown int
	// Log receives a line per action taken.
	Log zerolog.Logger
	// People, when set, is the results store whose persons the people page at /people shows.
	People store.PersonStore
	// Results, when set, is the results store that the results view at /results shows.
	Results ResultStore
	// FacesVersion is the face model version the results view shows and searches (the one
	// the workers are configured with); a file searched only with another shows that one.
	FacesVersion string
}

// Handler serves the dashboard: the fleet page at /, its actions under /actions/, JSON at
// /api/fleet, asynqmon at /monitoring, /metrics and /healthz. Close releases its Redis
// connections.
type Handler struct {
	opts    Options
	root    http.Handler
	mux     *http.ServeMux
	mon     *asynqmon.HTTPHandler
	rdb     redis.UniversalClient
	insp    *asynq.Inspector
	ctl     *queuectl.Controller
	reg     *registry.Registry
	fc      *stats.Forecaster
	page    *template.Template
	metrics http.Handler
}

// New builds the dashboard's handler.
func New(o Options) (*Handler, error) {
	if o.Redis == nil {
		return nil, errors.New("dashboard: no Redis configured")
	}
	rdb, ok := o.Redis.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, fmt.Errorf("dashboard: unsupported Redis connection %T", o.Redis)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.ArchivedShown <= 0 {
		o.ArchivedShown = DefaultArchivedShown
	}
	page, err := parsePage()
	if err != nil {
		rdb.Close()
		return nil, err
	}
	h := &Handler{opts: o, rdb: rdb, insp: asynq.NewInspector(o.Redis), page: page}
	h.ctl = queuectl.New(h.insp, o.Prefix)
	h.reg = registry.New(rdb, o.Prefix, o.Log)
	h.fc = stats.NewForecaster(stats.New(rdb, o.Clock), o.Clock, o.WindowMinutes)
	h.mon = asynqmon.New(asynqmon.Options{RootPath: MonitoringPath, RedisConnOpt: o.Redis, ReadOnly: o.ReadOnly,
		PayloadFormatter: PayloadFormatter, ResultFormatter: ResultFormatter})
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(h.ctl, h.reg))
	h.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})

	h.mux = http.NewServeMux()
	h.mux.Handle(MonitoringPath+"/", h.mon)
	h.mux.Handle("GET /metrics", h.metrics)
	h.mux.HandleFunc("GET /{$}", h.servePage)
	h.mux.HandleFunc("GET /api/fleet", h.serveJSON)
	h.mux.HandleFunc("POST /actions/{action}", h.serveAction)
	if o.People != nil {
		pp, err := newPeoplePages(o.People, o.Results != nil)
		if err != nil {
			rdb.Close()
			return nil, err
		}
		pp.register(h.mux)
	}
	if o.Results != nil {
		rp, err := newResultsPages(o.Results, o.FacesVersion)
		if err != nil {
			rdb.Close()
			return nil, err
		}
		rp.register(h.mux)
	}

	var root http.Handler = sameOrigin(h.mux)
	if o.ReadOnly {
		root = readOnly(root)
	}
	if o.Credentials.Configured() {
		root = newAuthenticator(o.Credentials).wrap(root)
	} else {
		root = loopbackHost(root)
	}
	h.root = noFraming(root)
	return h, nil
}

// ServeHTTP serves /healthz to anyone and every other route through the access checks.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		h.healthz(w, r)
		return
	}
	h.root.ServeHTTP(w, r)
}

// Close releases the Redis connections.
func (h *Handler) Close() error {
	return errors.Join(h.mon.Close(), h.insp.Close(), h.rdb.Close())
}

func (h *Handler) now() time.Time { return h.opts.Clock() }

func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := h.rdb.Ping(ctx).Err(); err != nil {
		http.Error(w, "redis unreachable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
