package catalog

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/rs/zerolog"
)

// DirSource streams the photos and videos under a directory tree, in lexical order within
// each directory. Dot-named files and directories are skipped; symlinks are followed, each
// directory is walked once (a symlink loop or a second way into a walked directory is
// skipped and counted); an unreadable directory is counted and passed over.
type DirSource struct {
	root string
	pm   PathMap
	log  zerolog.Logger
}

var _ Source = (*DirSource)(nil)

// NewDirSource checks that root is a directory and returns a source for it. Asset paths are
// absolute, with pm applied; Size and ModTime come from the files themselves.
func NewDirSource(root string, pm PathMap, log zerolog.Logger) (*DirSource, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, newError(ErrBadCatalog, err, "dir:%s: cannot make the path absolute", root)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, newError(ErrBadCatalog, nil, "dir:%s: no such directory", root)
	case err != nil:
		return nil, newError(ErrBadCatalog, err, "dir:%s: cannot read the directory", root)
	case !fi.IsDir():
		return nil, newError(ErrBadCatalog, nil, "dir:%s is a file, not a directory: use jsonl:%s for a JSON-lines catalog", root, root)
	}
	return &DirSource{root: abs, pm: pm, log: log}, nil
}

// Name is "dir:" and the absolute root.
func (s *DirSource) Name() string { return "dir:" + s.root }

// Scan walks the tree and yields each photo and video.
func (s *DirSource) Scan(ctx context.Context, yield func(Asset) error) (ScanStats, error) {
	w := &dirWalk{ctx: ctx, pm: s.pm, t: newTally(s.log.With().Str("source", s.Name()).Logger(), yield), visited: map[fileID]bool{}}
	fi, err := os.Stat(s.root)
	if err != nil {
		return w.t.stats, newError(ErrBadCatalog, err, "dir:%s: cannot read the directory", s.root)
	}
	w.visited[idOf(fi)] = true
	err = w.walk(s.root)
	return w.t.stats, err
}

// fileID names a directory by device and inode, however it was reached.
type fileID struct{ dev, ino uint64 }

func idOf(fi fs.FileInfo) fileID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fileID{dev: uint64(st.Dev), ino: st.Ino}
	}
	return fileID{}
}

type dirWalk struct {
	ctx     context.Context
	pm      PathMap
	t       *tally
	visited map[fileID]bool // every directory entered, by device and inode
}

// walk walks one directory that is already marked visited. A symlinked directory is walked
// through its link (a trailing slash makes WalkDir follow it), so paths keep the link's name.
func (w *dirWalk) walk(dir string) error {
	top := dir
	if !strings.HasSuffix(top, string(filepath.Separator)) {
		top += string(filepath.Separator)
	}
	return filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		if cerr := w.ctx.Err(); cerr != nil {
			return cerr
		}
		if path == top {
			if err != nil && d == nil {
				return newError(ErrBadCatalog, err, "%s: cannot read the directory", dir)
			}
			if err != nil {
				w.t.skip(SkipUnreadable, dir, err.Error())
			}
			return nil
		}
		if err != nil {
			w.t.skip(SkipUnreadable, path, err.Error())
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			w.t.skip(SkipHidden, path, "")
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
			return w.enterDir(path, d)
		case d.Type()&fs.ModeSymlink != 0:
			return w.followLink(path)
		case d.Type().IsRegular():
			fi, err := d.Info()
			if err != nil {
				w.t.skip(SkipUnreadable, path, err.Error())
				return nil
			}
			return w.file(path, fi)
		default:
			w.t.skip(SkipNotFile, path, "")
			return nil
		}
	})
}

// enterDir marks a directory met in the walk as visited, or skips it when it was walked
// already (through a symlink met earlier, or a bind mount).
func (w *dirWalk) enterDir(path string, d fs.DirEntry) error {
	fi, err := d.Info()
	if err != nil {
		w.t.skip(SkipUnreadable, path, err.Error())
		return filepath.SkipDir
	}
	id := idOf(fi)
	if w.visited[id] {
		w.t.skip(SkipRepeatDir, path, "")
		return filepath.SkipDir
	}
	w.visited[id] = true
	return nil
}

// followLink handles a symlink: a file is a candidate like any other, a directory is walked
// unless it was walked already.
func (w *dirWalk) followLink(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		w.t.skip(SkipBrokenLink, path, "")
		return nil
	case err != nil && isLoopErr(err):
		w.t.skip(SkipSymlinkLoop, path, err.Error())
		return nil
	case err != nil:
		w.t.skip(SkipUnreadable, path, err.Error())
		return nil
	case !fi.IsDir():
		if !fi.Mode().IsRegular() {
			w.t.skip(SkipNotFile, path, "")
			return nil
		}
		return w.file(path, fi)
	}
	id := idOf(fi)
	if w.visited[id] {
		if w.holdsLink(path) {
			w.t.skip(SkipSymlinkLoop, path, "")
		} else {
			w.t.skip(SkipRepeatDir, path, "")
		}
		return nil
	}
	w.visited[id] = true
	return w.walk(path)
}

// holdsLink reports whether the directory a symlink points to contains the symlink itself.
func (w *dirWalk) holdsLink(link string) bool {
	target, err1 := filepath.EvalSymlinks(link)
	parent, err2 := filepath.EvalSymlinks(filepath.Dir(link))
	if err1 != nil || err2 != nil {
		return false
	}
	return parent == target || strings.HasPrefix(parent, strings.TrimSuffix(target, "/")+"/")
}

func isLoopErr(err error) bool { return errors.Is(err, syscall.ELOOP) }

// file yields a photo or video; other files are skipped.
func (w *dirWalk) file(path string, fi fs.FileInfo) error {
	media, ok := MediaOf("", path)
	if !ok {
		w.t.skip(SkipNotMedia, path, "")
		return nil
	}
	mapped, _ := w.pm.mapSlashed(path)
	if reason, detail := nameProblem(mapped); reason != "" {
		w.t.skip(reason, path, detail)
		return nil
	}
	return w.t.emit(Asset{
		Path: mapped, SourcePath: path, Mime: mimeByExt(path), Media: media,
		Size: fi.Size(), ModTime: fi.ModTime(),
	})
}
