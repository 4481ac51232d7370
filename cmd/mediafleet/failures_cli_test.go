package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestShowAndEnqueueTellOfArchivedFiles: `show` on a file whose task was archived gives the
// reason and how to run it again, not "not in the store"; a second enqueue counts the
// archived task as failed, not as already queued.
func TestShowAndEnqueueTellOfArchivedFiles(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	e.extra = []string{"MEDIAFLEET_MEDIA_ROOTS=" + e.lib}
	good := e.addSample("Megamind.avi", "good.avi")
	bad := filepath.Join(e.lib, "notes.mp4")
	require.NoError(t, os.WriteFile(bad, []byte(strings.Repeat("shopping list\n", 100)), 0o644))
	e.must("enqueue", "--catalog", "dir:"+e.lib, "--kinds", "keyframes")
	e.must("worker", "--until-empty", "--queues", "keyframes=1")

	_, errOut, err := e.run("show", bad)
	require.Error(t, err)
	require.NotContains(t, errOut, "enqueue its catalog and run a worker first")
	require.Contains(t, errOut, "keyframes failed")
	require.Contains(t, errOut, bad, "the reason names the file")
	require.Contains(t, errOut, "mediafleet queues retry-archived keyframes")

	var doc struct {
		Path     string `json:"path"`
		Archived []struct {
			Kind   string `json:"kind"`
			Reason string `json:"reason"`
		} `json:"archived"`
	}
	require.NoError(t, json.Unmarshal([]byte(e.must("show", bad, "--json")), &doc))
	require.Equal(t, bad, doc.Path)
	require.Len(t, doc.Archived, 1)
	require.Equal(t, "keyframes", doc.Archived[0].Kind)
	require.Contains(t, doc.Archived[0].Reason, bad)

	out := e.must("show", good)
	require.NotContains(t, out, "failed")

	var s enqueueSummary
	e.json(&s, "enqueue", "--catalog", "dir:"+e.lib, "--kinds", "keyframes", "--all")
	require.Equal(t, 1, s.Failed)
	require.Equal(t, map[string]int{"keyframes": 1}, s.FailedKinds)
	require.Zero(t, s.AlreadyQueued, "the good video's task is done, not queued")
}
