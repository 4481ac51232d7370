package faces

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// TestTimeFiles: the untimed pass gives each file's faces (or its error) in the order given,
// and the timed passes run every file repeat times.
func TestTimeFiles(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "broken.jpg")
	require.NoError(t, os.WriteFile(bad, []byte("not a jpeg"), 0o644))
	astronaut := testenv.Sample(t, "astronaut.png")
	paths := []string{astronaut, bad, astronaut}

	tm, err := TimeFiles(context.Background(), defaultPipeline(t), paths, 2, 3)
	require.NoError(t, err)
	require.Len(t, tm.Results, 3)
	for i, r := range tm.Results {
		require.Equal(t, paths[i], r.Path)
	}
	require.Len(t, tm.Results[0].Faces, 1, "astronaut.png holds one face")
	require.Len(t, tm.Results[2].Faces, 1)
	require.Empty(t, tm.Results[0].Error)
	require.Contains(t, tm.Results[1].Error, "broken.jpg")
	require.NotNil(t, tm.Results[1].Faces, "a failed file still lists its faces as an empty list")
	require.Empty(t, tm.Results[1].Faces)
	require.Equal(t, 2, tm.Faces)
	require.Equal(t, 9, tm.Images)
	require.Positive(t, tm.Seconds)
	require.InDelta(t, float64(tm.Images)/tm.Seconds, tm.ImagesPerSecond, 1e-9)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = TimeFiles(ctx, defaultPipeline(t), paths, 2, 1)
	require.ErrorIs(t, err, context.Canceled)
}
