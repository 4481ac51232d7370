package worker

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/gpu"
)

// GPUGuard returns the guard of a handler whose model runs on the pinned GPU (FacesHandler.Guard):
// each run first reserves needMiB of the GPU's memory through adm, which refuses with a retry
// delay while the GPU is short, and gives it back when the run ends; a run that fails with a
// CUDA out-of-memory error rebuilds the inference session with rebuild and runs once more
// (gpu.Recoverer, shared by every run of this guard).
func GPUGuard(log zerolog.Logger, adm *gpu.Admission, needMiB int64, rebuild func(context.Context) error) func(ctx context.Context, run func(context.Context) error) error {
	rec := gpu.NewRecoverer(log, rebuild)
	return func(ctx context.Context, run func(context.Context) error) error {
		release, err := adm.Reserve(ctx, needMiB)
		if err != nil {
			return err
		}
		defer release()
		return rec.Do(ctx, run)
	}
}
