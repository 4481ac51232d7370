package ort_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// TestOpenLeavesNoFiles runs Open and Close in a process of its own (this test binary again,
// see TestOpenInChild) with its own temp folder and home, both empty, and finds them empty
// after: the bundled builds' telemetry client, which wrote mat-debug-<pid>.log and .ses into
// the temp folder of every worker, does not start.
func TestOpenLeavesNoFiles(t *testing.T) {
	t.Parallel()
	lib := testenv.ORTLib(t)
	for _, name := range []string{"onnxruntime", "onnxruntime-gpu"} {
		if name == "onnxruntime-gpu" {
			lib = filepath.Join(filepath.Dir(filepath.Dir(lib)), "onnxruntime-gpu", "libonnxruntime.so.1")
			if _, err := os.Stat(lib); err != nil {
				continue
			}
		}
		tmp, home := t.TempDir(), t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestOpenInChild$", "-test.count=1")
		env := []string{"MEDIAFLEET_ORT_CHILD_LIB=" + lib, "TMPDIR=" + tmp, "HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, ".cache")}
		for _, kv := range os.Environ() {
			if !hasAnyPrefix(kv, "TMPDIR=", "HOME=", "XDG_CACHE_HOME=", "ORT_DISABLE_TELEMETRY=") {
				env = append(env, kv)
			}
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Contains(t, string(out), "opened", "the child ran")
		for _, dir := range []string{tmp, home} {
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			require.Empty(t, names, "%s after loading %s", dir, lib)
		}
	}
}

// TestOpenInChild is TestOpenLeavesNoFiles's child: it does nothing unless that test started it.
func TestOpenInChild(t *testing.T) {
	lib := os.Getenv("MEDIAFLEET_ORT_CHILD_LIB")
	if lib == "" {
		return
	}
	rt, err := ort.Open(ort.Config{LibraryPath: lib}, zerolog.Nop())
	require.NoError(t, err)
	require.NoError(t, rt.Close())
	os.Stdout.WriteString("opened\n")
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if len(s) >= len(p) && s[:len(p)] == p {
			return true
		}
	}
	return false
}
