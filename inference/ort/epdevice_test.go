package ort

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
	onnx "github.com/yalue/onnxruntime_go"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// TestAPIIndexesMatchTheHeader compiles the OrtApi offsets of every entry epdevice.go calls
// against onnxruntime_c_api.h as onnxruntime_go ships it, so a change of that module's header
// fails here instead of calling the wrong function.
func TestAPIIndexesMatchTheHeader(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/yalue/onnxruntime_go").Output()
	require.NoError(t, err)
	dir := strings.TrimSpace(string(out))
	names := make([]string, 0, len(apiIndexes))
	for n := range apiIndexes {
		names = append(names, n)
	}
	sort.Strings(names)
	var src strings.Builder
	src.WriteString("#include <stdio.h>\n#include <stddef.h>\n#include \"onnxruntime_c_api.h\"\nint main(void) {\n")
	src.WriteString("  printf(\"version %d\\n\", ORT_API_VERSION);\n")
	for _, n := range names {
		fmt.Fprintf(&src, "  printf(\"%s %%zu\\n\", offsetof(OrtApi, %s) / sizeof(void*));\n", n, n)
	}
	src.WriteString("  return 0;\n}\n")
	tmp := t.TempDir()
	c, bin := filepath.Join(tmp, "probe.c"), filepath.Join(tmp, "probe")
	require.NoError(t, os.WriteFile(c, []byte(src.String()), 0o644))
	b, err := exec.Command("cc", "-I", dir, "-o", bin, c).CombinedOutput()
	require.NoError(t, err, "compiling the OrtApi probe: %s", b)
	b, err = exec.Command(bin).Output()
	require.NoError(t, err)
	want := fmt.Sprintf("version %d\n", apiVersion)
	for _, n := range names {
		want += fmt.Sprintf("%s %d\n", n, apiIndexes[n])
	}
	require.Equal(t, want, string(b))
}

// TestAppendEPDeviceOnTheCPU adds the CPU execution provider through the device API that the
// GPU build's CUDA provider needs (GetEpDevices, SessionOptionsAppendExecutionProvider_V2), then
// runs a model with those options: the same calls, on a provider every machine has.
func TestAppendEPDeviceOnTheCPU(t *testing.T) {
	rt, err := Open(Config{LibraryPath: testenv.ORTLib(t)}, zerolog.Nop())
	require.NoError(t, err)
	defer rt.Close()
	opts, err := onnx.NewSessionOptions()
	require.NoError(t, err)
	defer opts.Destroy()
	require.NoError(t, appendEPDevice(rt.LibraryPath(), opts, cpuEP, ""))
	model := filepath.Join(testenv.ModelsDir(t), "fr_landmark.onnx")
	sess, err := onnx.NewDynamicAdvancedSession(model, []string{"input"}, []string{"output"}, opts)
	require.NoError(t, err)
	defer sess.Destroy()
	in, err := onnx.NewEmptyTensor[float32](onnx.NewShape(1, 1, 64, 64))
	require.NoError(t, err)
	defer in.Destroy()
	outT, err := onnx.NewEmptyTensor[float32](onnx.NewShape(1, 136))
	require.NoError(t, err)
	defer outT.Destroy()
	require.NoError(t, sess.Run([]onnx.Value{in}, []onnx.Value{outT}))

	err = appendEPDevice(rt.LibraryPath(), opts, "NoSuchExecutionProvider", "0")
	require.ErrorIs(t, err, errNoEPDevice)
	require.ErrorContains(t, err, "NoSuchExecutionProvider found no device")
}
