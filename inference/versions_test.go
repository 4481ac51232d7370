package inference

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/tasks"
)

func defaults(t *testing.T) *configs.Config {
	c, err := configs.Load("", func(string) string { return "" })
	require.NoError(t, err)
	return c
}

// TestVersionsFollowTheSettings: a model version stays put while the settings that shape the
// results do, and changes when they change, so stored results are redone exactly then.
func TestVersionsFollowTheSettings(t *testing.T) {
	c := defaults(t)
	v, unavailable := Versions(c)
	require.Regexp(t, `^frfeat-v1-[0-9a-f]{6}$`, v[tasks.Faces])
	require.NotContains(t, v, tasks.Captions)
	require.Contains(t, unavailable[tasks.Captions], "no caption backend")

	again, _ := Versions(defaults(t))
	require.Equal(t, v, again)

	c.Keyframes.MinSpacing = 2 * time.Second
	moved, _ := Versions(c)
	require.NotEqual(t, v[tasks.Keyframes], moved[tasks.Keyframes])
	c.Keyframes.Timeout = time.Hour // how long ffmpeg may take does not change the frames
	same, _ := Versions(c)
	require.Equal(t, moved[tasks.Keyframes], same[tasks.Keyframes])

	c.Faces.ScoreThreshold = 0.8 // a detection setting: the faces work is redone
	detect, _ := Versions(c)
	require.NotEqual(t, v[tasks.Faces], detect[tasks.Faces])
	c.Faces.Threads, c.Faces.DecodeBudgetMiB = 4, 1024 // speed and memory: nothing to redo
	same, _ = Versions(c)
	require.Equal(t, detect[tasks.Faces], same[tasks.Faces])

	c.Faces.Embedder.Model, c.Faces.Embedder.Version = "/models/lvface.onnx", "lvface-b1"
	c.Captions.Backend, c.Captions.URL, c.Captions.Model = "openai", "http://vlm:8000", "qwen2.5-vl:7b"
	v2, _ := Versions(c)
	require.Regexp(t, `^lvface-b1-[0-9a-f]{6}$`, v2[tasks.Faces])
	require.NotContains(t, v2[tasks.Captions], ":", "a version ends a TaskID, so it holds no colon")
	c.Captions.Prompt = "List the people in this photo."
	v3, _ := Versions(c)
	require.NotEqual(t, v2[tasks.Captions], v3[tasks.Captions], "a new prompt is a new caption version")
}
