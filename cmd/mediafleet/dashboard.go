package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/dashboard"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/internal/redact"
	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/worker/stats"
)

func (a *app) dashboardCmd() *cobra.Command {
	var (
		listen   string
		readOnly bool
		window   int
	)
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Serve the fleet page, the people and results views, asynqmon at /monitoring, /metrics and /healthz",
		Long: `Serve the fleet page at /, the people page at /people (persons of the results store, each
as a grid of face crops with the files they are in), the results view at /results (a file's
photo or keyframes with their face boxes, aligned face crops, captions and each face's
nearest stored faces), asynqmon at /monitoring, Prometheus metrics at /metrics and /healthz
on one address (default 127.0.0.1:8080).

An address other machines can reach needs credentials: MEDIAFLEET_DASHBOARD_TOKEN (send
"Authorization: Bearer <token>", or log in from a browser with any user name and the token as
password) or MEDIAFLEET_DASHBOARD_USER and MEDIAFLEET_DASHBOARD_PASSWORD (basic auth). With
credentials, every route but /healthz asks for them. --read-only turns off every action.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.load(func(c *configs.Config) error {
				if listen != "" {
					c.Dashboard.Listen = listen
				}
				if readOnly {
					c.Dashboard.ReadOnly = true
				}
				return nil
			})
			if err != nil {
				return err
			}
			d := cfg.Dashboard
			creds := dashboard.Credentials{Token: d.Token, User: d.BasicUser, Password: d.BasicPassword}
			if err := dashboard.CheckListen(d.Listen, creds); err != nil {
				return err
			}
			if err := redisconn.CheckRedis(cmd.Context(), cfg.RedisURL); err != nil {
				return err
			}
			opt, err := redisconn.ParseRedisURL(cfg.RedisURL)
			if err != nil {
				return err
			}
			st, err := store.Open(cmd.Context(), cfg.StorePath())
			if err != nil {
				return err
			}
			defer st.Close()
			h, err := dashboard.New(dashboard.Options{Redis: opt, Prefix: cfg.QueuePrefix, Credentials: creds,
				ReadOnly: d.ReadOnly, WindowMinutes: window, Log: a.log, People: st,
				Results: st, FacesVersion: inference.FacesVersion(cfg)})
			if err != nil {
				return err
			}
			defer h.Close()
			ln, err := net.Listen("tcp", d.Listen)
			if err != nil {
				return err
			}
			if err := dashboard.CheckBound(ln.Addr(), creds); err != nil {
				ln.Close()
				return err
			}
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
			a.log.Info().Str("url", "http://"+ln.Addr().String()+"/").Bool("auth", creds.Configured()).
				Bool("read_only", d.ReadOnly).Str("redis", redact.URL(cfg.RedisURL)).Str("store", redact.URL(cfg.StorePath())).
				Msg("dashboard listening")
			go func() {
				<-cmd.Context().Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(ctx)
			}()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "address to listen on (default 127.0.0.1:8080; env MEDIAFLEET_DASHBOARD_LISTEN)")
	cmd.Flags().BoolVar(&readOnly, "read-only", false, "turn off every action (buttons, asynqmon's actions, POST endpoints)")
	cmd.Flags().IntVar(&window, "window", stats.DefaultWindowMinutes, "minutes of history the throughput and ETA are computed over")
	return cmd
}
