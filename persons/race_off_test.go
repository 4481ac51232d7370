//go:build !race

package persons_test

// raceEnabled scales the clustering measurement down under the race detector.
const raceEnabled = false
