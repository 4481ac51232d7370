package captions

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVersionFollowsTheDefaults: a config that leaves the prompt and edge out has the version of
// one that spells the defaults out, for either backend; a new prompt, edge or model is a new
// version.
func TestVersionFollowsTheDefaults(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{BackendOpenAI, BackendVLMCaption} {
		empty := Config{Backend: backend, Model: "m"}
		spelled := Config{Backend: backend, Model: "m", Prompt: DefaultPrompt, MaxEdge: DefaultMaxEdge}
		require.Equal(t, spelled.Version(), empty.Version(), backend)
		for _, other := range []Config{
			{Backend: backend, Model: "m", Prompt: "List the people."},
			{Backend: backend, Model: "m", MaxEdge: 640},
			{Backend: backend, Model: "m2"},
		} {
			require.NotEqual(t, empty.Version(), other.Version(), "%+v", other)
		}
	}
}
