//go:build !race

package catalog

// raceEnabled scales the streaming tests down under the race detector.
const raceEnabled = false
