//go:build race

package catalog

// raceEnabled scales the streaming tests down: the race detector slows a scan about tenfold
// and adds nothing to a scan that runs on one goroutine.
const raceEnabled = true
