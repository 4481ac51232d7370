// Package cachedir names the per-user download cache (ONNX Runtime builds, models, sample media)
// that the setup task fills and that mediafleet and its tests read.
package cachedir

import (
	"os"
	"path/filepath"
)

// CacheDir is the per-user download cache the setup task fills:
// ${XDG_CACHE_HOME:-$HOME/.cache}/mediafleet.
func CacheDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "mediafleet")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".cache", "mediafleet")
	}
	return filepath.Join(os.TempDir(), "mediafleet-cache")
}
