package worker

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Roots is the set of folders a worker may read media from (MEDIAFLEET_MEDIA_ROOTS). Empty
// allows every path.
type Roots []string

// Check refuses a path outside every root, after cleaning it and resolving symbolic links, so
// a catalog entry cannot make a worker read /etc/shadow.
func (r Roots) Check(path string) error {
	if len(r) == 0 {
		return nil
	}
	p := filepath.Clean(path)
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	for _, root := range r {
		root = filepath.Clean(root)
		if realRoot, err := filepath.EvalSymlinks(root); err == nil {
			root = realRoot
		}
		if p == root || strings.HasPrefix(p, root+string(filepath.Separator)) {
			return nil
		}
	}
	return Permanent(fmt.Errorf("%s is outside the media roots (%s): add its folder to MEDIAFLEET_MEDIA_ROOTS or fix the path mapping", path, strings.Join(r, ":")))
}
