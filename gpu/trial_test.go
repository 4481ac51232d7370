package gpu

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAdmissionTrial: tasks are admitted while they fit, the rest refused with the reason, and
// once the first admitted task ends the first refused one gets in; nothing stays reserved.
func TestAdmissionTrial(t *testing.T) {
	t.Parallel()
	a, _, d := newTestAdmission(t, 4000, AdmissionConfig{HeadroomMiB: 256})
	steps := a.Trial(context.Background(), 1024, 5)

	var admitted []int
	for _, s := range steps {
		require.Equal(t, int64(1024), s.NeedMiB)
		require.Equal(t, int64(4000), s.FreeMiB)
		if s.Admitted {
			admitted = append(admitted, s.Task)
			require.Empty(t, s.Reason)
		} else {
			require.Contains(t, s.Reason, d.UUID)
			require.Contains(t, s.Reason, "the task needs 1024 MiB")
		}
	}
	require.Len(t, steps, 6)
	require.Equal(t, []int{1, 2, 3, 4}, admitted, "3 fit in 4000-256 MiB; task 4 gets in after task 1 ends")
	require.Equal(t, []int64{0, 1024, 2048, 3072, 3072, 2048}, reservedSeen(steps))
	require.Equal(t, 4, steps[5].Task)
	require.Zero(t, a.ReservedMiB())
}

func reservedSeen(steps []AdmitStep) []int64 {
	out := make([]int64, len(steps))
	for i, s := range steps {
		out[i] = s.ReservedMiB
	}
	return out
}
