package ort_test

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// cudaStubs writes into a new folder a stand-in for each library in names: a shared object with
// that soname and symbol version that defines every function the CUDA provider imports from it,
// each returning 100 (cudaErrorNoDevice), or a message for those that return error text. They
// stand in for the CUDA of a GPU machine on one without a GPU: the dynamic loader and ONNX
// Runtime take them for the real libraries, and every CUDA call fails as it does where no device
// is present. defs replaces the definitions of the functions it names (C source, e.g. a
// cudaGetDeviceCount that reports one device).
func cudaStubs(t *testing.T, provider string, defs map[string]string, names ...string) string {
	t.Helper()
	f, err := elf.Open(provider)
	require.NoError(t, err)
	syms, err := f.ImportedSymbols()
	require.NoError(t, f.Close())
	require.NoError(t, err)
	cc, err := exec.LookPath("cc")
	require.NoError(t, err, "a C compiler (cc) builds the stand-in CUDA libraries: apt-get install gcc")
	dir := t.TempDir()
	for _, name := range names {
		var src strings.Builder
		versioned := false
		for _, s := range syms {
			if s.Library != name {
				continue
			}
			versioned = versioned || s.Version != ""
			if def, ok := defs[s.Name]; ok {
				src.WriteString(def + "\n")
				continue
			}
			if strings.Contains(s.Name, "String") || strings.Contains(s.Name, "Name") {
				// cudaGetErrorString and the like return text, not a code.
				fmt.Fprintf(&src, "const char* %s(void) { return \"no CUDA device (stand-in library)\"; }\n", s.Name)
				continue
			}
			fmt.Fprintf(&src, "int %s(void) { return 100; }\n", s.Name)
		}
		src.WriteString("int mediafleet_cuda_stand_in(void) { return 100; }\n")
		c := filepath.Join(dir, name+".c")
		require.NoError(t, os.WriteFile(c, []byte(src.String()), 0o644))
		args := []string{"-shared", "-fPIC", "-o", filepath.Join(dir, name), "-Wl,-soname," + name, c}
		if versioned {
			vs := filepath.Join(dir, name+".map")
			require.NoError(t, os.WriteFile(vs, []byte(name+" { global: *; };\n"), 0o644))
			args = append(args, "-Wl,--version-script="+vs)
		}
		out, err := exec.Command(cc, args...).CombinedOutput()
		require.NoError(t, err, "building the stand-in %s: %s", name, out)
	}
	return dir
}

// lddMissing lists the libraries that ldd reports as not found for lib: what the dynamic
// loader of this machine cannot find by itself.
func lddMissing(t *testing.T, lib string) []string {
	t.Helper()
	out, err := exec.Command("ldd", lib).CombinedOutput()
	require.NoError(t, err, "ldd %s: %s", lib, out)
	var missing []string
	for _, line := range strings.Split(string(out), "\n") {
		if name, ok := strings.CutSuffix(strings.TrimSpace(line), " => not found"); ok {
			missing = append(missing, name)
		}
	}
	return missing
}

// loaderFinds reports whether this machine's dynamic loader finds soname by itself, as
// `ldconfig -p` (its cache) or LD_LIBRARY_PATH shows it.
func loaderFinds(t *testing.T, soname string) bool {
	t.Helper()
	for _, d := range filepath.SplitList(os.Getenv("LD_LIBRARY_PATH")) {
		if _, err := os.Stat(filepath.Join(d, soname)); d != "" && err == nil {
			return true
		}
	}
	out, err := exec.Command("/sbin/ldconfig", "-p").Output()
	require.NoError(t, err)
	return bytes.Contains(out, []byte(soname+" "))
}

// childEnv is the environment variable that makes this test binary run one scenario in a
// child process (see TestMain) instead of the tests: loading stand-in libraries or a second
// ONNX Runtime cannot be undone in a process.
const childEnv = "MEDIAFLEET_ORT_CHILD"

// runChild runs the test binary as a child for scenario with env added, and decodes the JSON
// it prints into out.
func runChild(t *testing.T, scenario string, env []string, out any) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childEnv+"="+scenario), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "child %s: %s", scenario, stderr.String())
	require.NoError(t, json.Unmarshal(stdout.Bytes(), out), "child %s printed %q (stderr %s)", scenario, stdout.String(), stderr.String())
}

func without(names []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(drop, n) })
}
