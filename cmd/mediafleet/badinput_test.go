package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/tasks"
)

// TestBadPhotosArchivedWorkerGoesOn: zero-byte, truncated, corrupt and HEIC photos are each
// archived with a reason that names the file, while the good photo is stored.
func TestBadPhotosArchivedWorkerGoesOn(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	good := e.addSample("messi5.jpg", "good.jpg")
	whole, err := os.ReadFile(good)
	require.NoError(t, err)
	bad := map[string][]byte{
		"empty.jpg":     {},
		"truncated.jpg": whole[:len(whole)/3],
		"garbage.png":   []byte("\x89PNG\r\n\x1a\n this is not the rest of a PNG file"),
		"phone.heic":    append([]byte("\x00\x00\x00\x18ftypheic"), make([]byte, 200)...),
	}
	for name, b := range bad {
		require.NoError(t, os.WriteFile(filepath.Join(e.lib, name), b, 0o644))
	}
	e.must("enqueue", "--catalog", "dir:"+e.lib, "--kinds", "faces")
	e.must("worker", "--until-empty", "--queues", "faces=2")

	var d showDoc
	e.json(&d, "show", good)
	require.Len(t, d.Faces, 1)

	opt, err := redisconn.ParseRedisURL(e.redis)
	require.NoError(t, err)
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	archived, err := insp.ListArchivedTasks(tasks.QueueName(e.prefix, tasks.Faces))
	require.NoError(t, err)
	require.Len(t, archived, len(bad))
	reasons := map[string]string{}
	for _, a := range archived {
		for name := range bad {
			if filepath.Base(assetOfTask(t, a.Payload)) == name {
				reasons[name] = a.LastErr
			}
		}
	}
	for name := range bad {
		require.Contains(t, reasons[name], filepath.Join(e.lib, name), "the reason names the file")
	}
	require.Contains(t, reasons["phone.heic"], "HEIC")
}

func assetOfTask(t *testing.T, payload []byte) string {
	var p tasks.FacesPayload
	require.NoError(t, tasks.Decode(payload, &p))
	return p.Asset.Path
}

// TestMissingModelStopsWorker: a faces worker without its model files refuses to start and
// says which file is missing and how to get it.
func TestMissingModelStopsWorker(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	e.extra = []string{"MEDIAFLEET_MODELS_DIR=" + filepath.Join(t.TempDir(), "no-models")}
	_, errOut, err := e.run("worker", "--until-empty", "--queues", "faces=1")
	require.Error(t, err)
	require.Contains(t, errOut, "fr_detect.onnx")
	require.Contains(t, errOut, "go tool task setup")
}
