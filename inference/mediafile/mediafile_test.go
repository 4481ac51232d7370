package mediafile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// fifo makes a named pipe; a test that fails leaves no goroutine blocked on it, for the
// cleanup opens its write end (without blocking) to release any reader.
func fifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "photo.jpg")
	require.NoError(t, syscall.Mkfifo(p, 0o644))
	t.Cleanup(func() {
		if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	return p
}

// TestFIFOIsRefusedAtOnce: opening, checking or reading a FIFO with no writer returns at once
// with ErrNotRegular, rather than waiting for a writer forever.
func TestFIFOIsRefusedAtOnce(t *testing.T) {
	p := fifo(t)
	done := make(chan error, 3)
	go func() {
		_, _, err := Open(p)
		done <- err
		_, err = Check(p)
		done <- err
		_, err = ReadFile(p, 0)
		done <- err
	}()
	for range 3 {
		err := <-done // a blocking open never answers and the test times out
		require.ErrorIs(t, err, ErrNotRegular)
		require.ErrorContains(t, err, "is a FIFO")
	}
}

// TestRegularFilesAndDirectories: a regular file reads whole, within its limit; a directory
// and a missing file are refused with the right error.
func TestRegularFilesAndDirectories(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.jpg")
	require.NoError(t, os.WriteFile(p, []byte("0123456789"), 0o644))
	data, err := ReadFile(p, 0)
	require.NoError(t, err)
	require.Equal(t, "0123456789", string(data))
	_, err = ReadFile(p, 4)
	require.ErrorContains(t, err, "more than")
	_, err = Check(dir)
	require.ErrorIs(t, err, ErrNotRegular)
	_, err = Check(filepath.Join(dir, "gone.jpg"))
	require.ErrorIs(t, err, os.ErrNotExist)
}
