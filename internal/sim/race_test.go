//go:build race

package sim

// raceEnabled reports whether the race detector is on. It allows at most
// 8128 live goroutines, so the full grid runs one cell at a time under it.
const raceEnabled = true
