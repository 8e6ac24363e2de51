//go:build race

package breaker

// raceEnabled reports whether the race detector is on; it allocates, so
// allocation counts mean nothing under it.
const raceEnabled = true
