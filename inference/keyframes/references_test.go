package keyframes_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/inference/keyframes"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// TestFilesThatReferToOtherFilesAreRefused: an HLS playlist and an ffconcat list, named like
// videos, that point at a real video elsewhere are refused as what they are, by Probe and by
// Extract, and no frame of the other video is written.
func TestFilesThatReferToOtherFilesAreRefused(t *testing.T) {
	t.Parallel()
	outside := testenv.Sample(t, "Megamind.avi")
	cases := map[string]string{
		"playlist.mov": fmt.Sprintf("#EXTM3U\n#EXT-X-TARGETDURATION:12\n#EXTINF:12,\n%s\n#EXT-X-ENDLIST\n", outside),
		"list.mp4":     fmt.Sprintf("ffconcat version 1.0\nfile '%s'\n", outside),
		"safe.mkv":     fmt.Sprintf("ffconcat version 1.0\nfile '%s'\n", filepath.Base(outside)),
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeFile(t, name, []byte(body))
			// a copy beside the list, which ffconcat's safe mode would accept
			data, err := os.ReadFile(outside)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(path), filepath.Base(outside)), data, 0o644))

			_, err = keyframes.Probe(context.Background(), tool(t, "ffprobe"), path)
			require.ErrorIs(t, err, keyframes.ErrInvalidMedia, "%v", err)
			require.ErrorContains(t, err, "not a video container mediafleet reads")

			out := filepath.Join(dir, "frames")
			res, err := extractor(t).Extract(context.Background(), path, out)
			require.Nil(t, res)
			require.ErrorIs(t, err, keyframes.ErrInvalidMedia, "%v", err)
			require.ErrorContains(t, err, path)
			require.NoDirExists(t, out, "no frame of the other video, no empty folder")
		})
	}
}
