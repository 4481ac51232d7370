package inference_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestInferenceNeverReachesAsynq: no inference package (nor the catalog and results store they
// read) imports asynq, not even through another package: the work is plain Go, testable and
// usable without a queue.
func TestInferenceNeverReachesAsynq(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}",
		"github.com/mediafleet/mediafleet/inference/...", "github.com/mediafleet/mediafleet/catalog/...").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "github.com/mediafleet/mediafleet/inference/faces", "the listing covers the packages")
	for _, line := range strings.Split(string(out), "\n") {
		require.False(t, strings.HasPrefix(line, "github.com/hibiken/asynq"), "an inference or catalog package reaches %s", line)
	}
}
