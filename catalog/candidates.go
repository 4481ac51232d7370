package catalog

import "path/filepath"

// Candidates are the forms of a path that a results store may know a file by: as given,
// absolute, and mapped by m (a catalog path such as E:/x.jpg becomes the local one).
func (m PathMap) Candidates(path string) []string {
	out := []string{path}
	if abs, err := filepath.Abs(path); err == nil {
		out = append(out, abs)
	}
	return append(out, m.Apply(path))
}
