// Package decimal reads the delays that servers send as a count of a unit:
// an HTTP Retry-After of delay-seconds, a gRPC retry pushback of
// milliseconds. Both come from the network and must never overflow nor go
// negative.
package decimal

import (
	"math"
	"time"
)

// Duration reads s, one or more decimal digits and nothing else, as a
// count of unit, and reports whether s was such a count. A count too large
// for a Duration saturates at the largest one. unit must be positive.
func Duration(s string, unit time.Duration) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	limit := int64(math.MaxInt64 / unit) // the largest count that fits
	var n int64
	saturated := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false // a sign, a fraction, a unit, garbage
		}
		d := int64(c - '0')
		if n > (limit-d)/10 { // n*10 + d would not fit
			saturated = true
		}
		if !saturated {
			n = n*10 + d
		}
	}
	if saturated {
		return math.MaxInt64, true
	}
	return time.Duration(n) * unit, true
}
