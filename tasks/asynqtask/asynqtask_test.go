package asynqtask

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/tasks"
)

// TestNewCarriesTypeAndPayload: the asynq task has the kind's type and the payload that decodes
// back to the same payload; a payload that does not validate makes no task.
func TestNewCarriesTypeAndPayload(t *testing.T) {
	p := &tasks.KeyframesPayload{Asset: tasks.AssetRef{Key: "habcdefabcdefabcdefab", Path: "/v.mp4"}, ModelVersion: "kf1-x"}
	task, err := New(p, tasks.Options{Prefix: "lib", MaxRetry: 3})
	require.NoError(t, err)
	require.Equal(t, "mediafleet:keyframes", task.Type())
	var back tasks.KeyframesPayload
	require.NoError(t, tasks.Decode(task.Payload(), &back))
	require.Equal(t, *p, back)
	_, err = New(&tasks.KeyframesPayload{Asset: tasks.AssetRef{Path: "/v.mp4"}, ModelVersion: "kf1"}, tasks.Options{})
	require.ErrorContains(t, err, "asset_key is empty")
}
