//go:build !race

package enqueuer

const raceEnabled = false
