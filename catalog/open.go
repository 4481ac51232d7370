package catalog

import (
	"strings"

	"github.com/rs/zerolog"
)

// Schemes are the catalog kinds Open knows, as written before the colon of a spec.
var Schemes = []string{"dir", "jsonl", "vlmph"}

// Open returns the Source a spec names: "dir:PATH" (a directory tree), "jsonl:FILE" (a
// JSON-lines catalog) or "vlmph:DB" (a vlmPhotoHouse SQLite catalog). pm maps the paths
// every source reports, and the spec's own path when that is a Windows path (so one
// configuration can name E:\vlmPhotoHouse\metadata.sqlite on every machine). An unknown scheme or a missing file is an error wrapping
// ErrBadCatalog that says what to fix.
func Open(spec string, pm PathMap, log zerolog.Logger) (Source, error) {
	scheme, path, ok := strings.Cut(spec, ":")
	switch {
	case !ok || !known(scheme):
		return nil, newError(ErrBadCatalog, nil,
			"catalog %q: write it as dir:PATH, jsonl:FILE or vlmph:DB", spec)
	case path == "":
		return nil, newError(ErrBadCatalog, nil, "catalog %q names no path: write %s:PATH", spec, scheme)
	}
	if slashed := strings.ReplaceAll(path, `\`, "/"); isWindowsPath(slashed) {
		mapped, ok := pm.Map(path)
		if !ok {
			return nil, newError(ErrBadCatalog, nil,
				"catalog %q is a Windows path: give the local path, or add a path map rule for its drive or share", spec)
		}
		path = mapped
	}
	var (
		src Source
		err error
	)
	// Each constructor returns a typed nil on error; keep it out of the interface.
	switch scheme {
	case "dir":
		var s *DirSource
		if s, err = NewDirSource(path, pm, log); err == nil {
			src = s
		}
	case "jsonl":
		var s *JSONLSource
		if s, err = NewJSONLSource(path, pm, log); err == nil {
			src = s
		}
	default:
		var s *VLMPHSource
		if s, err = NewVLMPHSource(path, pm, log); err == nil {
			src = s
		}
	}
	return src, err
}

func known(scheme string) bool {
	for _, s := range Schemes {
		if s == scheme {
			return true
		}
	}
	return false
}
