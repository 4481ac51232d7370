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

// derivedPath joins a derived file's path under dir (the data dir or a folder in it) and
// refuses one that would leave it. Keys are checked where payloads are decoded; this is the
// second lock on the same door.
func derivedPath(dir string, elem ...string) (string, error) {
	p := filepath.Join(append([]string{dir}, elem...)...)
	rel, err := filepath.Rel(filepath.Clean(dir), p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", Permanent(fmt.Errorf("derived path %.200q is not under %s", p, dir))
	}
	return p, nil
}
