package asynqwire

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

const asynqModule = "github.com/hibiken/asynq"

// TestAsynqVersionChecked fails when the asynq in go.mod, or in the build, is not the release
// this package was checked against: a new asynq may store tasks differently. Run this
// package's tests against the new version, read asynq's internal/base and internal/rdb for
// changes to the task message, the key names and the enqueue script, and then set
// CheckedAsynqVersion.
func TestAsynqVersionChecked(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatalf("reading go.mod: %v", err)
	}
	inMod := ""
	for line := range strings.Lines(string(mod)) {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require"))
		if len(f) >= 2 && f[0] == asynqModule {
			inMod = f[1]
		}
	}
	if inMod != CheckedAsynqVersion {
		t.Errorf("go.mod requires %s %q but package asynqwire was checked against %s: check its format against the new version, then update CheckedAsynqVersion",
			asynqModule, inMod, CheckedAsynqVersion)
	}
	// What the go command resolves, replace directives and workspaces included.
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}{{with .Replace}} (replaced by {{.Path}} {{.Version}}){{end}}", asynqModule).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", asynqModule, err)
	}
	if built := strings.TrimSpace(string(out)); built != CheckedAsynqVersion {
		t.Errorf("the build uses %s %s but package asynqwire was checked against %s", asynqModule, built, CheckedAsynqVersion)
	}
}
