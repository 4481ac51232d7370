package faceeval

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// TestDefaultsOnTheSet holds the default pipeline to what the set allows: every labelled
// face (48 to 160 pixels wide) in the composed 4000x3000 group photos is found, no face is
// found on any animal or object picture, and of the people photos' faces only the one in
// profile may be missed. It also checks that the figures moved from the single pass.
func TestDefaultsOnTheSet(t *testing.T) {
	t.Parallel()
	set, err := Load(filepath.Join(testenv.CacheDir(), "evalset"), t.TempDir())
	require.NoError(t, err)
	rt, err := ort.Open(ort.Config{LibraryPath: testenv.ORTLib(t)}, zerolog.Nop())
	require.NoError(t, err)
	t.Cleanup(func() { rt.Close() })
	cfg := faces.DefaultConfig(testenv.ModelsDir(t))
	reps, err := Compare(context.Background(), rt, set, Before(cfg), cfg)
	require.NoError(t, err)
	t.Logf("\n%s", Table([]string{"before", "after"}, reps))
	before, after := reps[0], reps[1]
	for _, m := range after.Misses {
		t.Logf("after: %+v", m)
	}
	small := after.Row(SmallFaces)
	require.Equal(t, 16, small.Labelled)
	require.Equal(t, small.Labelled, small.Found, "every face of 48 px or more in a 4000x3000 photo")
	require.Zero(t, small.False)
	require.Zero(t, after.Row(Animals).False, "no face on an animal picture")
	require.NotZero(t, after.Row(Animals).Rejected, "the animals' faces are seen and turned away")
	require.Zero(t, after.Row(Objects).False, "no face on an object picture")
	people := after.Row(People)
	require.GreaterOrEqual(t, people.Found, people.Labelled-1)
	require.Zero(t, people.False)

	require.Less(t, before.Row(SmallFaces).Found, small.Found, "the single pass misses small faces")
	require.NotZero(t, before.Row(Animals).False, "the single pass takes animals for faces")
}
