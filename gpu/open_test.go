package gpu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

// openChildEnv makes TestOpenOnThisMachine act as the child process that calls the real Open.
const openChildEnv = "MEDIAFLEET_GPU_OPEN_CHILD"

type openResult struct {
	NoDriver bool   `json:"no_driver"`
	Err      string `json:"err"`
	Report   Report `json:"report"`
	Auto     string `json:"auto"`
}

// TestOpenOnThisMachine calls the real Open in a child process, since a wrong NVML call after a
// failed init would kill the process rather than fail the test. Without libnvidia-ml it must
// return ErrNoDriver, and the child must go on to describe and resolve without crashing.
func TestOpenOnThisMachine(t *testing.T) {
	if os.Getenv(openChildEnv) == "1" {
		openChild()
		return
	}
	t.Parallel()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestOpenOnThisMachine$", "-test.count=1")
	cmd.Env = append(os.Environ(), openChildEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, err, "the child calling gpu.Open died (exit 127 means an NVML call after a failed init); stderr:\n%s", stderr.String())

	var res openResult
	line, _, _ := bytes.Cut(stdout.Bytes(), []byte("\n"))
	require.NoError(t, json.Unmarshal(line, &res), "child output: %s", stdout.String())
	if !driverLibraryPresent() {
		require.True(t, res.NoDriver, "no libnvidia-ml on this machine, yet Open said: %+v", res)
		if !strings.Contains(res.Err, "CGO_ENABLED=0") {
			require.Equal(t, ErrNoDriver.Error(), res.Err)
		}
		require.False(t, res.Report.Driver)
		require.Equal(t, res.Err, res.Report.Message)
		require.Equal(t, "CPU", res.Auto)
		require.Contains(t, stderr.String(), "CPU-only mode", "Open should log one line saying so")
		return
	}
	if res.NoDriver { // the library is there but the driver may not be loaded
		require.Contains(t, res.Err, "CPU-only mode")
		return
	}
	require.True(t, res.Report.Driver)
	require.Empty(t, res.Err)
}

func openChild() {
	ctx := context.Background()
	p, err := Open(zerolog.New(os.Stderr))
	res := openResult{NoDriver: errors.Is(err, ErrNoDriver)}
	if err != nil {
		res.Err = err.Error()
	}
	res.Report, _ = Describe(ctx, p, err)
	d, rerr := Resolve(ctx, p, "auto")
	res.Auto = d.String()
	if rerr != nil {
		res.Auto = rerr.Error()
	}
	if p != nil {
		_ = p.Close()
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
}

// driverLibraryPresent looks for libnvidia-ml where the dynamic loader would find it.
func driverLibraryPresent() bool {
	for _, dir := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/local/nvidia/lib64"} {
		if m, _ := filepath.Glob(filepath.Join(dir, "libnvidia-ml.so*")); len(m) > 0 {
			return true
		}
	}
	return false
}
