package backoff

import (
	"math"
	"time"
)

// Every strategy computes in float64 nanoseconds and converts back only
// through clamp, so no step can overflow, wrap negative or produce NaN:
// float64 saturates to +Inf where integer arithmetic would wrap, and clamp
// turns +Inf into the cap and NaN or anything negative into zero.

// clamp converts f nanoseconds to a Duration in [0, hi].
func clamp(f float64, hi time.Duration) time.Duration {
	if !(f > 0) { // also NaN
		return 0
	}
	if f >= float64(hi) {
		return hi
	}
	return time.Duration(f)
}

// grow returns base·factor^(attempt-1) in nanoseconds (the first retry waits
// about base), or +Inf where that exceeds float64. attempt below 1 counts
// as 1.
func grow(base time.Duration, factor float64, attempt int) float64 {
	n := attempt - 1
	if n <= 0 {
		return float64(base)
	}
	if factor == 2 {
		// Exact and cheaper than Pow; saturates to +Inf for large n.
		return math.Ldexp(float64(base), min(n, 2000))
	}
	return float64(base) * math.Pow(factor, float64(n))
}

// between returns lo + r·(hi-lo) for r in [0, 1).
func between(lo, hi, r float64) float64 {
	return lo + r*(hi-lo)
}
