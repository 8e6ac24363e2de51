//go:build !race

package retry_test

// raceEnabled reports whether the race detector is on; it allocates, so
// allocation tests skip under it.
const raceEnabled = false
