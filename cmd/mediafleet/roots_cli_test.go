package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWorkerWarnsWithoutMediaRoots: a worker started without media roots says once that it
// reads any file; one with roots says nothing of the kind.
func TestWorkerWarnsWithoutMediaRoots(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	_, errOut, err := e.run("worker", "--until-empty", "--queues", "keyframes=1")
	require.NoError(t, err, errOut)
	require.Equal(t, 1, strings.Count(errOut, "no media_roots set"), errOut)

	e.extra = []string{"MEDIAFLEET_MEDIA_ROOTS=" + e.lib}
	_, errOut, err = e.run("worker", "--until-empty", "--queues", "keyframes=1")
	require.NoError(t, err, errOut)
	require.NotContains(t, errOut, "no media_roots set")
}
