//go:build race

package persons_test

// raceEnabled scales the clustering measurement down: the race detector slows the face
// pipeline's Go code manyfold and finds nothing in it that one goroutine could race on.
const raceEnabled = true
