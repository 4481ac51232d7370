package faceeval

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/ort"
)

// Before is cfg as detection was before the pyramid and the second check: one pass over
// the whole image scaled to the detector's input, every detection over the threshold kept.
func Before(cfg faces.Config) faces.Config {
	cfg.MinFacePx = 0
	cfg.Check = faces.CheckConfig{}
	return cfg
}

// Compare evaluates each configuration on the set with pipelines on rt, in order.
func Compare(ctx context.Context, rt *ort.Runtime, set *Set, cfgs ...faces.Config) ([]*Report, error) {
	var reps []*Report
	for _, cfg := range cfgs {
		p, err := faces.New(rt, cfg, zerolog.Nop())
		if err != nil {
			return nil, err
		}
		rep, err := Evaluate(ctx, p, set)
		p.Close()
		if err != nil {
			return nil, err
		}
		reps = append(reps, rep)
	}
	return reps, nil
}
