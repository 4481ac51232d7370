package main

import (
	"errors"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/internal/redisconn"
)

// app holds what every subcommand shares: the global flags, the loaded config and the logger.
type app struct {
	configFile  string
	redisURL    string
	queuePrefix string
	storeSpec   string
	dataDir     string
	logLevel    string
	logFormat   string

	cfg *configs.Config
	log zerolog.Logger
}

// usageError is a mistake in how the command was called (exit code 2).
type usageError struct{ error }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

func newRoot() *cobra.Command {
	a := &app{}
	root := &cobra.Command{
		Use:           "mediafleet",
		Short:         "Drain the AI backlog of a photo and video library with a fleet of workers",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", os.Getenv("MEDIAFLEET_CONFIG"), "YAML config file (env MEDIAFLEET_CONFIG)")
	pf.StringVar(&a.redisURL, "redis-url", "", "Redis URL (env MEDIAFLEET_REDIS_URL)")
	pf.StringVar(&a.queuePrefix, "queue-prefix", "", "queue name prefix (env MEDIAFLEET_QUEUE_PREFIX)")
	pf.StringVar(&a.storeSpec, "store", "", "results store: SQLite path or postgres:// URL (env MEDIAFLEET_STORE)")
	pf.StringVar(&a.dataDir, "data-dir", "", "derived files and default store (env MEDIAFLEET_DATA_DIR)")
	pf.StringVar(&a.logLevel, "log-level", envOr("MEDIAFLEET_LOG_LEVEL", "info"), "debug, info, warn or error")
	pf.StringVar(&a.logFormat, "log-format", envOr("MEDIAFLEET_LOG_FORMAT", "auto"), "console, json, or auto (console on a terminal)")

	root.AddCommand(a.enqueueCmd(), a.workerCmd(), a.statusCmd(), a.showCmd(), a.dashboardCmd(),
		a.facesCmd(), a.workersCmd(), a.gpusCmd(), a.demoCmd(), a.configCmd(), a.queuesCmd(),
		a.personsCmd(), a.writebackCmd())
	return root
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// load reads the config (defaults, file, env), applies the global flags, lets the command apply
// its own, then validates. It also sets up the logger.
func (a *app) load(apply func(c *configs.Config) error) (*configs.Config, error) {
	if err := a.setupLog(); err != nil {
		return nil, err
	}
	c, err := configs.Load(a.configFile, nil)
	if err != nil {
		return nil, err
	}
	for _, o := range []struct {
		v   string
		dst *string
	}{{a.redisURL, &c.RedisURL}, {a.queuePrefix, &c.QueuePrefix}, {a.storeSpec, &c.Store}, {a.dataDir, &c.DataDir}} {
		if o.v != "" {
			*o.dst = o.v
		}
	}
	if apply != nil {
		if err := apply(c); err != nil {
			return nil, usageError{err}
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if _, err := redisconn.ParseRedisURL(c.RedisURL); err != nil {
		return nil, err
	}
	if _, err := catalog.ParsePathMap(c.PathMap); err != nil {
		return nil, err
	}
	a.cfg = c
	return c, nil
}

func (a *app) setupLog() error {
	lvl, err := zerolog.ParseLevel(strings.ToLower(a.logLevel))
	if err != nil || a.logLevel == "" {
		return usageError{errors.New("--log-level must be debug, info, warn or error")}
	}
	var w io.Writer = os.Stderr
	switch a.logFormat {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: os.Stderr, TimeFormat: time.TimeOnly}
	case "auto", "":
		if isTerminal(os.Stderr) {
			w = zerolog.ConsoleWriter{Out: os.Stderr, TimeFormat: time.TimeOnly}
		}
	default:
		return usageError{errors.New("--log-format must be console, json or auto")}
	}
	a.log = zerolog.New(w).Level(lvl).With().Timestamp().Logger()
	return nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
