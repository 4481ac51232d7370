//go:build soak

package main

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// envInt reads a positive number from the environment, else def.
func envInt(k string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
		return n
	}
	return def
}

// TestSoak is the scale-out run at the size of the library mediafleet replaces (6,569 photos,
// 2,357 videos; SOAK_PHOTOS and SOAK_VIDEOS change it). `go tool task soak` runs it; it is not
// part of the test suite.
func TestSoak(t *testing.T) {
	photos, videos := envInt("SOAK_PHOTOS", 6569), envInt("SOAK_VIDEOS", 2357)
	r := scaleOut(t, photos, videos)
	line := fmt.Sprintf("soak: %d photos, %d videos: %d tasks drained in %s by 3 workers: %.0f tasks/s",
		photos, videos, r.Tasks, r.Drain.Round(time.Second), float64(r.Tasks)/r.Drain.Seconds())
	t.Log(line)
	fmt.Println(line)
}
