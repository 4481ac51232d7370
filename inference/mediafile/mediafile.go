// Package mediafile opens the files a task names without ever blocking on one that is not a
// regular file: a FIFO, a device or a socket put where a photo or video was is refused at
// once, so no read waits forever and a stop always finishes within its grace.
package mediafile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular is a path that names something other than a regular file (a directory, a
// FIFO, a device, a socket). Retrying cannot change that.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading. It opens without blocking (a FIFO with no writer would
// otherwise hold the open forever), then refuses anything fstat does not call a regular
// file, so a file swapped for a FIFO after a check is refused too. Errors wrap
// ErrNotRegular, or the fs error (fs.ErrNotExist, fs.ErrPermission) of the open.
func Open(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, NotRegular(path, st.Mode())
	}
	return f, st, nil
}

// Check makes sure path is a regular file, opening it as Open does and closing it again.
func Check(path string) (fs.FileInfo, error) {
	f, st, err := Open(path)
	if err != nil {
		return nil, err
	}
	return st, f.Close()
}

// ReadFile reads the whole of a regular file, at most limit bytes (0: no limit); a longer
// file is an error that says so.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, st, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if limit > 0 && st.Size() > limit {
		return nil, fmt.Errorf("%s is %d MiB, more than the %d MiB a worker reads", path, st.Size()>>20, limit>>20)
	}
	r := io.Reader(f)
	if limit > 0 {
		r = io.LimitReader(f, limit)
	}
	return io.ReadAll(r)
}

// NotRegular is the error for path, whose mode says what it is instead.
func NotRegular(path string, mode fs.FileMode) error {
	what := "a " + mode.Type().String()
	switch {
	case mode.IsDir():
		what = "a directory"
	case mode&fs.ModeNamedPipe != 0:
		what = "a FIFO (named pipe)"
	case mode&fs.ModeSocket != 0:
		what = "a socket"
	case mode&fs.ModeDevice != 0:
		what = "a device"
	}
	return fmt.Errorf("%s is %s: %w", path, what, ErrNotRegular)
}
