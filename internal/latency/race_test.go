//go:build race

package latency

// raceEnabled reports whether the race detector is on; it allocates, so
// allocation tests skip under it.
const raceEnabled = true
