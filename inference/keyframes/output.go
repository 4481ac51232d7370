package keyframes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// scratchPrefix names the hidden folder inside outDir where ffmpeg writes before frames are
// renamed into place.
const scratchPrefix = ".keyframes-"

// FrameName is the file name of the index-th frame (1-based) in an output folder: 0001.jpg.
func FrameName(index int) string { return fmt.Sprintf("%04d.jpg", index) }

// scratchName is the name ffmpeg's image2 muxer gives the n-th frame (1-based) it writes.
func scratchName(n int) string { return fmt.Sprintf("%06d.jpg", n) }

var reFrameName = regexp.MustCompile(`^([0-9]{4})\.jpg$`)

// countFrames counts the .jpg files in dir.
func countFrames(dir string) (int, error) {
	ents, err := os.ReadDir(dir)
	n := 0
	for _, e := range ents {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".jpg") {
			n++
		}
	}
	return n, err
}

// clearDir removes everything in dir, keeping dir.
func clearDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range ents {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
	}
	return errors.Join(errs...)
}

// sweepScratch removes scratch folders that a killed process left in outDir. Only folders
// untouched for olderThan go, so a run still writing into its own is left alone.
func sweepScratch(outDir string, olderThan time.Duration, log zerolog.Logger) {
	ents, err := os.ReadDir(outDir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), scratchPrefix) {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < olderThan {
			continue
		}
		p := filepath.Join(outDir, e.Name())
		if err := os.RemoveAll(p); err != nil {
			log.Warn().Err(err).Str("dir", p).Msg("keyframes: cannot remove a stale scratch folder")
		}
	}
}

// publish renames the picked scratch files (1-based ffmpeg numbers) into outDir as
// 0001.jpg, 0002.jpg, ... in order, each rename replacing a frame of an earlier run at once,
// then removes the earlier run's frames beyond the new count. Other files in outDir stay.
func publish(scratch, outDir string, picks []int) error {
	for j, n := range picks {
		if err := os.Rename(filepath.Join(scratch, scratchName(n)), filepath.Join(outDir, FrameName(j+1))); err != nil {
			return err
		}
	}
	ents, err := os.ReadDir(outDir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range ents {
		m := reFrameName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		if i, _ := strconv.Atoi(m[1]); i > len(picks) || i == 0 {
			if err := os.Remove(filepath.Join(outDir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// spread picks k of n items evenly, first and last included (the middle one when k is 1),
// as ascending indices; all of them when n <= k.
func spread(n, k int) []int {
	out := make([]int, 0, min(n, k))
	switch {
	case n <= k:
		for i := range n {
			out = append(out, i)
		}
	case k == 1:
		out = append(out, n/2)
	default:
		for i := range k {
			out = append(out, (i*(n-1)+(k-1)/2)/(k-1))
		}
	}
	return out
}
