package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/dashboard"
)

func (a *app) dashboardCmd() *cobra.Command {
	var (
		listen   string
		readOnly bool
	)
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Serve asynqmon at /monitoring and the fleet's health",
		Args:  cobra.NoArgs,
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
			if err := configs.CheckRedis(cmd.Context(), cfg.RedisURL); err != nil {
				return err
			}
			opt, _ := configs.ParseRedisURL(cfg.RedisURL)
			h := dashboard.New(dashboard.Options{Redis: opt, ReadOnly: cfg.Dashboard.ReadOnly})
			defer h.Close()
			ln, err := net.Listen("tcp", cfg.Dashboard.Listen)
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
			a.log.Info().Str("url", "http://"+ln.Addr().String()+dashboard.MonitoringPath+"/").Msg("dashboard listening")
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
	cmd.Flags().BoolVar(&readOnly, "read-only", false, "turn off every action")
	return cmd
}
