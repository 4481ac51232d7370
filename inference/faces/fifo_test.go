package faces

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFIFOInPlaceOfAPhotoIsRefused: a named pipe named like a photo is refused at once as
// unsupported (permanent), instead of blocking the task, and the worker, forever.
func TestFIFOInPlaceOfAPhotoIsRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "photo.jpg")
	require.NoError(t, syscall.Mkfifo(p, 0o644))
	t.Cleanup(func() { // releases a blocked open when the test fails
		if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	done := make(chan error, 1)
	go func() {
		s, err := openSource(p, 1<<20)
		if err == nil {
			s.close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, ErrUnsupportedFormat)
		require.ErrorContains(t, err, "FIFO")
		require.ErrorContains(t, err, p)
	case <-time.After(time.Minute):
		t.Fatal("opening a FIFO blocked: a worker would hang on it")
	}
}
