//go:build !race

package classify_test

// raceEnabled reports whether the race detector is on; it allocates, so
// allocation tests skip under it.
const raceEnabled = false
