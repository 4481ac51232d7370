package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/gpu"
)

// gpuAdmitCmd runs the worker's VRAM admission against the real free memory of one GPU,
// without allocating anything: tasks of --mib each are admitted while they fit, the rest are
// refused, and once one admitted task ends a refused one is admitted.
func (a *app) gpuAdmitCmd() *cobra.Command {
	var (
		spec    string
		mib     int64
		n       int
		headMiB int64
	)
	cmd := &cobra.Command{
		Use:   "admit",
		Short: "Try the VRAM admission of GPU tasks against a GPU's real free memory (allocates nothing)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setupLog(); err != nil {
				return err
			}
			ctx := cmd.Context()
			p, err := gpu.Open(a.log)
			if err != nil {
				return err
			}
			defer p.Close()
			dev, err := gpu.Resolve(ctx, p, spec)
			if err != nil {
				return err
			}
			if !dev.IsGPU() {
				return errors.New("admit needs a GPU: --gpu names none")
			}
			adm, err := gpu.NewAdmission(gpu.AdmissionConfig{Provider: p, UUID: dev.UUID, HeadroomMiB: headMiB})
			if err != nil {
				return err
			}
			steps := gpu.TrialAdmission(ctx, p, adm, dev.UUID, mib, n)
			return printJSON(map[string]any{"gpu": dev, "headroom_mib": headMiB, "steps": steps})
		},
	}
	f := cmd.Flags()
	f.StringVar(&spec, "gpu", "auto", "GPU: an index, GPU-<uuid> or auto")
	f.Int64Var(&mib, "mib", 1024, "memory one task needs, MiB")
	f.IntVar(&n, "tasks", 4, "tasks to admit")
	f.Int64Var(&headMiB, "headroom", 256, "memory admission leaves free, MiB")
	return cmd
}
