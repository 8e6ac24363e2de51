package backoff

import (
	"math"
	"time"
)

// Every strategy computes its bounds exactly, as Durations, and the point
// between them in float64 nanoseconds, which it converts back only through
// clamp. So no step can overflow, wrap negative or produce NaN: float64
// saturates to +Inf where integer arithmetic would wrap, and clamp turns
// +Inf into the upper bound and NaN into the lower one. Bounds computed in
// float64 would be off by up to 512ns near MaxInt64, where float64 cannot
// hold every Duration.

// clamp converts f nanoseconds to the nearest Duration in [lo, hi]. It
// takes a negative hi as 0 and a lo outside [0, hi] as the nearest end of
// that range, which only parameters that Validate rejects give, so that no
// delay is ever negative. It rounds rather than truncates so that a bound
// such as t/2, computed in float64, is met to the nanosecond.
func clamp(f float64, lo, hi time.Duration) time.Duration {
	hi = max(hi, 0)
	lo = min(max(lo, 0), hi)
	switch {
	case !(f > float64(lo)): // also NaN
		return lo
	case f >= float64(hi):
		return hi
	}
	// f < float64(hi) <= 2^63, so the conversion cannot overflow; the
	// rounding of lo and hi to float64 can leave it a little outside them.
	return min(max(time.Duration(math.Round(f)), lo), hi)
}

// ceiling returns min(cap, base·factor^(attempt-1)), exactly: the delay of
// Exponential and the top of the jittered ranges. It is never below base,
// unless cap is (which Validate rejects), and then it is cap.
func ceiling(base, cap time.Duration, factor float64, attempt int) time.Duration {
	return clamp(grow(base, factor, attempt), base, cap)
}

// grow returns base·factor^(attempt-1) in nanoseconds (the first retry waits
// about base), or +Inf where that exceeds float64. An attempt below 1 counts
// as 1.
func grow(base time.Duration, factor float64, attempt int) float64 {
	b := float64(base)
	// Compare before subtracting: attempt-1 wraps for math.MinInt. A zero
	// base stays zero, where 0·Inf would be NaN.
	if attempt <= 1 || b == 0 {
		return b
	}
	n := attempt - 1
	if factor == 2 {
		// Exact and cheaper than Pow; 2^2000 is +Inf for any base.
		return math.Ldexp(b, min(n, 2000))
	}
	return b * math.Pow(factor, float64(n))
}

// between returns lo + r·(hi-lo), with r taken into [0, 1) by unit.
func between(lo, hi, r float64) float64 {
	return lo + unit(r)*(hi-lo)
}

// belowOne is the largest float64 below 1.
const belowOne = 1 - 0x1p-53

// unit returns r within [0, 1), the range Input.Random promises: a value
// at or above 1 (also +Inf) counts as the largest float64 below 1, and a
// negative one or NaN as 0. The retry loop never draws such a value; the
// clamp keeps a caller that does inside each strategy's published bounds.
func unit(r float64) float64 {
	switch {
	case r >= 1:
		return belowOne
	case r > 0:
		return r
	}
	return 0 // negative or NaN
}
