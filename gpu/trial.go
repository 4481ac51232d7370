package gpu

import "context"

// AdmitStep is one decision of [Admission.Trial]; its JSON is what `mediafleet gpus admit`
// prints and the GPU check script reads.
type AdmitStep struct {
	Task        int    `json:"task"`
	NeedMiB     int64  `json:"need_mib"`
	Admitted    bool   `json:"admitted"`
	FreeMiB     int64  `json:"free_mib"`
	ReservedMiB int64  `json:"reserved_mib"`
	Reason      string `json:"reason,omitempty"`
}

// Trial runs the admission of n tasks of mib MiB each against the GPU's real free memory,
// allocating nothing: tasks are admitted while they fit and the rest refused; then, when one
// was refused and one admitted, the first admitted task ends and the first refused one tries
// again. It gives every reservation back before it returns.
func (a *Admission) Trial(ctx context.Context, mib int64, n int) []AdmitStep {
	var steps []AdmitStep
	var releases []func()
	try := func(i int) bool {
		d, _ := a.cfg.Provider.Device(ctx, a.cfg.UUID)
		st := AdmitStep{Task: i, NeedMiB: mib, FreeMiB: d.FreeMiB(), ReservedMiB: a.ReservedMiB()}
		release, err := a.Reserve(ctx, mib)
		if err == nil {
			st.Admitted = true
			releases = append(releases, release)
		} else {
			st.Reason = err.Error()
		}
		steps = append(steps, st)
		return err == nil
	}
	refused := -1
	for i := 1; i <= n; i++ {
		if !try(i) && refused < 0 {
			refused = i
		}
	}
	if refused > 0 && len(releases) > 0 {
		releases[0]() // one task ends
		releases = releases[1:]
		try(refused)
	}
	for _, r := range releases {
		r()
	}
	return steps
}
