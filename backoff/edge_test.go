package backoff_test

import (
	"math"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
)

// The edges that peers got wrong: attempt numbers that overflow a shift,
// bases and caps near MaxInt64, and draws outside [0, 1).
var (
	edgeAttempts = []int{math.MinInt, -1, 0, 1, 2, 33, 34, 35, 62, 63, 64, 65, 1000, math.MaxInt - 1, math.MaxInt}
	edgeBases    = []time.Duration{0, 1, time.Second, math.MaxInt64 / 2, math.MaxInt64}
	edgeCaps     = []time.Duration{0, 1, time.Second, math.MaxInt64 / 2, math.MaxInt64}
	edgePrevs    = []time.Duration{math.MinInt64, -1, 0, 1, time.Second, math.MaxInt64 / 3, math.MaxInt64 / 2, math.MaxInt64 - 1, math.MaxInt64}
	edgeRandoms  = []float64{math.Inf(-1), -1, -0x1p-1074, 0, 0x1p-1074, 0.5, almostOne, 1, 2, math.Inf(1), math.NaN()}
	edgeGrowths  = []float64{1, 1 + 0x1p-52, 1.5, 2, 3, 1e10, 1e300, math.MaxFloat64}
)

// edgeInputs calls f with every combination of the edge attempts, previous
// delays and draws.
func edgeInputs(f func(backoff.Input)) {
	for _, n := range edgeAttempts {
		for _, prev := range edgePrevs {
			for _, r := range edgeRandoms {
				f(backoff.Input{Attempt: n, Prev: prev, Random: r})
			}
		}
	}
}

// family is a strategy built from a base and a cap, with what its delays
// must satisfy beyond [0, cap].
type family struct {
	name string
	new  func(base, cap time.Duration) backoff.Strategy
	// check reports whether d is within the published bounds for in.
	check func(base, cap time.Duration, in backoff.Input, d time.Duration) bool
}

// ceiling returns t = min(cap, base·2^(attempt-1)), the delay of
// Exponential.
func ceiling(base, cap time.Duration, in backoff.Input) time.Duration {
	return backoff.Exponential(base, cap).Delay(in)
}

var families = []family{
	{"Exponential", backoff.Exponential, func(base, cap time.Duration, in backoff.Input, d time.Duration) bool {
		return d >= base
	}},
	{"FullJitter", backoff.FullJitter, func(base, cap time.Duration, in backoff.Input, d time.Duration) bool {
		return d <= ceiling(base, cap, in)
	}},
	{"EqualJitter", backoff.EqualJitter, func(base, cap time.Duration, in backoff.Input, d time.Duration) bool {
		t := ceiling(base, cap, in)
		return t/2 <= d && d <= t
	}},
	{"EqualJitterGrowth1.5", func(base, cap time.Duration) backoff.Strategy {
		return backoff.EqualJitterGrowth(base, cap, 1.5)
	}, func(base, cap time.Duration, in backoff.Input, d time.Duration) bool {
		return d >= base/2
	}},
	{"DecorrelatedJitter", backoff.DecorrelatedJitter, func(base, cap time.Duration, in backoff.Input, d time.Duration) bool {
		prev := max(in.Prev, base)
		return d >= base && (prev > math.MaxInt64/3 || d <= 3*prev)
	}},
}

func TestEdgesStayWithinCap(t *testing.T) {
	for _, fam := range families {
		for _, base := range edgeBases {
			for _, cap := range edgeCaps {
				if cap < base {
					continue
				}
				s := fam.new(base, cap)
				if err := backoff.Validate(s); err != nil {
					t.Fatalf("Validate(%v) = %v; want nil", s, err)
				}
				edgeInputs(func(in backoff.Input) {
					d := s.Delay(in)
					if d < 0 || d > cap {
						t.Errorf("%v.Delay(%+v) = %v; want within [0, %v]", s, in, d, cap)
					} else if !fam.check(base, cap, in, d) {
						t.Errorf("%v.Delay(%+v) = %v; want within the published bounds", s, in, d)
					}
				})
			}
		}
	}
}

func TestEdgesOfGrowth(t *testing.T) {
	for _, g := range edgeGrowths {
		for _, base := range edgeBases {
			for _, cap := range edgeCaps {
				if cap < base {
					continue
				}
				s := backoff.EqualJitterGrowth(base, cap, g)
				if err := backoff.Validate(s); err != nil {
					t.Fatalf("Validate(%v) = %v; want nil", s, err)
				}
				edgeInputs(func(in backoff.Input) {
					if d := s.Delay(in); d < min(base/2, cap) || d > cap {
						t.Errorf("%v.Delay(%+v) = %v; want within [%v, %v]", s, in, d, base/2, cap)
					}
				})
			}
		}
	}
}

// TestEdgesOfInvalidParameters checks that parameters that Validate rejects
// still give no panic and no negative delay.
func TestEdgesOfInvalidParameters(t *testing.T) {
	bad := []time.Duration{math.MinInt64, -time.Second, -1}
	var strategies []backoff.Strategy
	for _, b := range bad {
		for _, good := range []time.Duration{0, time.Second, math.MaxInt64} {
			for _, fam := range families {
				strategies = append(strategies, fam.new(b, good), fam.new(good, b))
			}
			strategies = append(strategies,
				backoff.Constant(b),
				backoff.Cap(b, backoff.Constant(good)),
				backoff.Floor(b, backoff.Constant(good)),
			)
		}
	}
	strategies = append(strategies,
		backoff.Exponential(time.Minute, time.Second),
		backoff.FullJitter(time.Minute, time.Second),
		backoff.DecorrelatedJitter(time.Minute, time.Second),
	)
	for _, g := range []float64{math.Inf(-1), -2, -1, 0, 0.5, math.Inf(1), math.NaN()} {
		strategies = append(strategies, backoff.EqualJitterGrowth(time.Second, time.Hour, g))
	}
	for _, f := range []float64{math.Inf(-1), -1, 1.5, 1e300, math.Inf(1), math.NaN()} {
		strategies = append(strategies, backoff.Jitter(f, backoff.Constant(time.Second)))
	}
	for _, s := range strategies {
		if backoff.Validate(s) == nil {
			t.Errorf("Validate(%v) = nil; want an error", s)
		}
		edgeInputs(func(in backoff.Input) {
			if d := s.Delay(in); d < 0 {
				t.Errorf("%v.Delay(%+v) = %v; want no negative delay", s, in, d)
			}
		})
	}
}

// TestExponentialCeilingsNeverShrink checks that Exponential's delay, the
// ceiling of FullJitter and EqualJitter, never shrinks as attempts go on,
// even where base·2^(attempt-1) would overflow an int64.
func TestExponentialCeilingsNeverShrink(t *testing.T) {
	for _, base := range edgeBases {
		for _, cap := range edgeCaps {
			if cap < base {
				continue
			}
			s := backoff.Exponential(base, cap)
			prev := s.Delay(backoff.Input{Attempt: math.MinInt})
			check := func(n int) {
				in := backoff.Input{Attempt: n}
				d := s.Delay(in)
				if d < prev {
					t.Errorf("%v.Delay(%+v) = %v; want at least %v, the delay before", s, in, d, prev)
				}
				prev = d
			}
			for n := -2; n <= 1100; n++ {
				check(n)
			}
			for _, n := range []int{1 << 20, 1 << 40, math.MaxInt - 1, math.MaxInt} {
				check(n)
			}
			if base > 0 && prev != cap {
				t.Errorf("%v.Delay(attempt MaxInt) = %v; want the cap %v", s, prev, cap)
			}
		}
	}
}

// TestJitteredDelaysNeverShrinkWithAttempt checks that for a fixed draw the
// attempt-driven families never wait less after a later attempt.
func TestJitteredDelaysNeverShrinkWithAttempt(t *testing.T) {
	strategies := []backoff.Strategy{
		backoff.FullJitter(time.Millisecond, time.Minute),
		backoff.EqualJitter(time.Millisecond, time.Minute),
		backoff.EqualJitterGrowth(time.Millisecond, time.Minute, 1.5),
		backoff.EqualJitterGrowth(1, math.MaxInt64, 1+0x1p-30),
		backoff.Jitter(0.3, backoff.Exponential(time.Millisecond, time.Minute)),
	}
	for _, s := range strategies {
		for _, r := range []float64{0, 0.25, 0.5, almostOne} {
			var prev time.Duration
			for n := 1; n <= 200; n++ {
				in := at(n, r)
				d := s.Delay(in)
				if d < prev {
					t.Errorf("%v.Delay(%+v) = %v; want at least %v, the delay before", s, in, d, prev)
				}
				prev = d
			}
		}
	}
}
