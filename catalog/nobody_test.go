package catalog

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// Some cases need a file this process cannot read or a directory it cannot write. Root may
// read and write everything, so a test in that case reruns itself as user nobody: the
// parent calls scanAsNobody, the child (childArg is then set) scans and reportToParent.

const childEnv = "MEDIAFLEET_CATALOG_TEST_CHILD_ARG"

// nobodyResult is what a child scan reports.
type nobodyResult struct {
	Assets  int            `json:"assets"`
	Skipped map[string]int `json:"skipped"`
}

// childArg is the argument the parent passed, when this process is the child.
func childArg() (string, bool) {
	v := os.Getenv(childEnv)
	return v, v != ""
}

// reportToParent scans src and prints the result for the parent.
func reportToParent(t *testing.T, src Source) {
	got, stats := scanAll(t, src)
	out, err := json.Marshal(nobodyResult{Assets: len(got), Skipped: stats.Skipped})
	require.NoError(t, err)
	fmt.Printf("RESULT %s\n", out)
}

// scanAsNobody scans in this process when it is not root (newSource is then called here), else
// reruns the calling test as nobody with arg, from a copy of the test binary under base.
func scanAsNobody(t *testing.T, base, arg string, newSource func() (Source, error)) nobodyResult {
	t.Helper()
	if os.Geteuid() != 0 {
		src, err := newSource()
		require.NoError(t, err)
		got, stats := scanAll(t, src)
		return nobodyResult{Assets: len(got), Skipped: stats.Skipped}
	}
	for _, d := range []string{filepath.Dir(base), base} {
		require.NoError(t, os.Chmod(d, 0o755))
	}
	self, err := os.Executable()
	require.NoError(t, err)
	bin := filepath.Join(base, "catalog.test")
	copyFile(t, self, bin)
	cmd := exec.Command(bin, "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+arg)
	cmd.Dir = base
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			var res nobodyResult
			require.NoError(t, json.Unmarshal([]byte(rest), &res))
			return res
		}
	}
	t.Fatalf("the child printed no result:\n%s", out)
	return nobodyResult{}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}
