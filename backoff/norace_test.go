//go:build !race

package backoff_test

// raceEnabled reports whether the race detector is on; it adds allocations
// of its own, so allocation tests skip under it.
const raceEnabled = false
