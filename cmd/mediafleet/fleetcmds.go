package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/worker/registry"
)

func (a *app) workersCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "workers",
		Short: "List the live workers of the fleet: host, queues, concurrency, in-flight, GPU",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.load(nil)
			if err != nil {
				return err
			}
			rdb, err := redisconn.OpenRedis(cmd.Context(), cfg.RedisURL)
			if err != nil {
				return err
			}
			defer rdb.Close()
			list, err := registry.New(rdb, cfg.QueuePrefix, a.log).List(cmd.Context())
			if err != nil {
				return err
			}
			if list == nil {
				list = []registry.WorkerInfo{}
			}
			if asJSON {
				return printJSON(map[string]any{"workers": list})
			}
			if len(list) == 0 {
				fmt.Println("no live workers")
				return nil
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "WORKER\tVERSION\tUP\tQUEUES (in flight/concurrency, device)\tGPU")
			for _, wi := range list {
				var qs []string
				for _, q := range wi.Queues {
					if q.Stopped != "" {
						qs = append(qs, fmt.Sprintf("%s STOPPED (%s)", q.Name, q.Stopped))
						continue
					}
					qs = append(qs, fmt.Sprintf("%s %d/%d %s", q.Name, q.InFlight, q.Concurrency, q.Device))
				}
				g := "-"
				if wi.GPU != nil {
					g = fmt.Sprintf("%d %s %d/%d MiB %d%%", wi.GPU.Index, wi.GPU.Name, wi.GPU.MemoryUsed>>20, wi.GPU.MemoryTotal>>20, wi.GPU.UtilizationGPU)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", wi.ID, wi.Version, time.Since(wi.StartedAt).Round(time.Second), strings.Join(qs, ", "), g)
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	return cmd
}

func (a *app) gpusCmd() *cobra.Command {
	var (
		asJSON  bool
		resolve string
	)
	cmd := &cobra.Command{
		Use:   "gpus",
		Short: "List this machine's NVIDIA GPUs with memory, utilisation, temperature and power",
		Long: `gpus lists the GPUs NVML sees. --resolve SPEC prints the one GPU that a worker started with
--gpu SPEC would be pinned to (an index as nvidia-smi shows it, GPU-<uuid>, or auto).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setupLog(); err != nil {
				return err
			}
			p, openErr := gpu.Open(zerolog.Nop()) // the report says it, once
			if openErr != nil && !errors.Is(openErr, gpu.ErrNoDriver) {
				return openErr
			}
			if p != nil {
				defer p.Close()
			}
			if resolve != "" {
				dev, err := gpu.Resolve(cmd.Context(), p, resolve)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(dev)
				}
				fmt.Println(dev.String())
				return nil
			}
			rep, err := gpu.Describe(cmd.Context(), p, openErr)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(rep)
			}
			return rep.WriteText(os.Stdout)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	cmd.Flags().StringVar(&resolve, "resolve", "", "print the GPU that --gpu SPEC pins a worker to")
	cmd.AddCommand(a.gpuAdmitCmd())
	return cmd
}
