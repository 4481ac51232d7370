package faces

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

// shared holds the runtime and the default pipeline that most tests use, loaded once per
// test binary and closed by TestMain.
var shared struct {
	once sync.Once
	rt   *ort.Runtime
	p    *Pipeline
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.p != nil {
		shared.p.Close()
	}
	if shared.rt != nil {
		shared.rt.Close()
	}
	os.Exit(code)
}

// runtimeFor opens a runtime handle that the test closes when it ends.
func runtimeFor(t testing.TB) *ort.Runtime {
	t.Helper()
	rt, err := ort.Open(ort.Config{LibraryPath: testenv.ORTLib(t)}, zerolog.Nop())
	require.NoError(t, err)
	t.Cleanup(func() { rt.Close() })
	return rt
}

// defaultPipeline is the shared faceplugin pipeline with DefaultConfig.
func defaultPipeline(t testing.TB) *Pipeline {
	t.Helper()
	lib, models := testenv.ORTLib(t), testenv.ModelsDir(t)
	shared.once.Do(func() {
		shared.rt, shared.err = ort.Open(ort.Config{LibraryPath: lib}, zerolog.Nop())
		if shared.err == nil {
			shared.p, shared.err = New(shared.rt, DefaultConfig(models), zerolog.Nop())
		}
	})
	require.NoError(t, shared.err)
	return shared.p
}

// newPipeline builds a pipeline that the test closes when it ends.
func newPipeline(t testing.TB, cfg Config) *Pipeline {
	t.Helper()
	p, err := New(runtimeFor(t), cfg, zerolog.Nop())
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

// keyframes extracts the keyframes of Megamind.avi (all five; the first is black) as JPEGs.
func keyframes(t testing.TB) []string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.CommandContext(context.Background(), "ffmpeg", "-nostdin", "-loglevel", "error",
		"-skip_frame", "nokey", "-i", testenv.Sample(t, "Megamind.avi"), "-fps_mode", "vfr", "-frames:v", "5",
		filepath.Join(dir, "key%d.jpg"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "ffmpeg: %s", out)
	var paths []string
	for i := 1; i <= 5; i++ {
		paths = append(paths, filepath.Join(dir, fmt.Sprintf("key%d.jpg", i)))
	}
	return paths
}

// byX orders faces left to right, so tests can name them by position.
func byX(faces []Face) []Face {
	s := slices.Clone(faces)
	slices.SortFunc(s, func(a, b Face) int {
		switch {
		case a.Box.X1 < b.Box.X1:
			return -1
		case a.Box.X1 > b.Box.X1:
			return 1
		}
		return 0
	})
	return s
}
