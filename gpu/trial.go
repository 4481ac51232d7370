package gpu

import "context"

// AdmitStep is one decision of an admission trial; its JSON is what `mediafleet gpus admit`
// prints and the GPU check script reads.
type AdmitStep struct {
	Task        int    `json:"task"`
	NeedMiB     int64  `json:"need_mib"`
	Admitted    bool   `json:"admitted"`
	FreeMiB     int64  `json:"free_mib"`
	ReservedMiB int64  `json:"reserved_mib"`
	Reason      string `json:"reason,omitempty"`
}

// TrialAdmission runs a worker's VRAM admission against the real free memory of the GPU that
// adm guards, allocating nothing: n tasks of mib each are admitted while they fit, the rest are
// refused; then, if one was refused and one admitted, the first admitted task ends and the first
// refused one is tried again. Every reservation is released at the end.
func TrialAdmission(ctx context.Context, p Provider, adm *Admission, uuid string, mib int64, n int) []AdmitStep {
	var steps []AdmitStep
	var releases []func()
	try := func(i int) bool {
		d, _ := p.Device(ctx, uuid)
		st := AdmitStep{Task: i, NeedMiB: mib, FreeMiB: d.FreeMiB(), ReservedMiB: adm.ReservedMiB()}
		release, err := adm.Reserve(ctx, mib)
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
