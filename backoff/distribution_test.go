package backoff_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"golang.org/x/exp/stats"

	"github.com/reflexio-go/reflexio/backoff"
)

// draws is the number of delays each distribution test draws. With a fixed
// seed the results are the same on every run; the tolerances below are
// many standard errors wide, so a change of seed would not fail them either.
const draws = 20000

// sample returns the delays of s at attempt n for draws random draws from a
// seeded source, in float64 nanoseconds.
func sample(s backoff.Strategy, n int) []float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	ds := make([]float64, draws)
	for i := range ds {
		ds[i] = float64(s.Delay(backoff.Input{Attempt: n, Random: rng.Float64()}))
	}
	return ds
}

// distinct returns how many different values ds holds.
func distinct(ds []float64) int {
	seen := make(map[float64]bool, len(ds))
	for _, d := range ds {
		seen[d] = true
	}
	return len(seen)
}

// uniformTest describes a strategy whose delays at an attempt are uniform
// over [lo, hi].
type uniformTest struct {
	s       backoff.Strategy
	attempt int
	lo, hi  time.Duration
}

var uniformTests = []uniformTest{
	{backoff.FullJitter(100*time.Millisecond, 10*time.Second), 4, 0, 800 * time.Millisecond},
	{backoff.FullJitter(100*time.Millisecond, 10*time.Second), 1000, 0, 10 * time.Second},
	{backoff.EqualJitter(100*time.Millisecond, 10*time.Second), 4, 400 * time.Millisecond, 800 * time.Millisecond},
	{backoff.EqualJitter(100*time.Millisecond, 10*time.Second), 1000, 5 * time.Second, 10 * time.Second},
	{backoff.EqualJitterGrowth(100*time.Millisecond, 20*time.Second, 1.5), 3, 112500 * time.Microsecond, 225 * time.Millisecond},
	{backoff.Jitter(0.5, backoff.Constant(time.Second)), 1, 500 * time.Millisecond, time.Second},
	{backoff.Jitter(0.2, backoff.Exponential(100*time.Millisecond, 10*time.Second)), 3, 320 * time.Millisecond, 400 * time.Millisecond},
}

// TestJitterIsUniform checks that each jittered strategy spreads its delays
// over its whole published range, evenly: many distinct values, all within
// [lo, hi], with a mean, a median and deciles where a uniform distribution
// puts them.
func TestJitterIsUniform(t *testing.T) {
	for _, tt := range uniformTests {
		ds := sample(tt.s, tt.attempt)
		lo, hi := float64(tt.lo), float64(tt.hi)
		for _, d := range ds {
			if d < lo || d > hi {
				t.Fatalf("%v at attempt %d: delay %v; want within [%v, %v]", tt.s, tt.attempt, time.Duration(d), tt.lo, tt.hi)
			}
		}
		if n := distinct(ds); n < draws*99/100 {
			t.Errorf("%v at attempt %d: %d distinct delays of %d; want nearly all distinct", tt.s, tt.attempt, n, draws)
		}
		// The standard error of the mean of a uniform sample is
		// (hi-lo)/sqrt(12·draws), about 0.2% of the range here; that of a
		// quantile is at most (hi-lo)/(2·sqrt(draws)), about 0.35%.
		tol := 0.02 * (hi - lo)
		near := func(what string, got, want float64) {
			if math.Abs(got-want) > tol {
				t.Errorf("%v at attempt %d: %s %v; want %v ± %v", tt.s, tt.attempt, what, time.Duration(got), time.Duration(want), time.Duration(tol))
			}
		}
		mid := lo + (hi-lo)/2
		near("mean", stats.Mean(ds), mid)
		near("median", stats.Median(ds), mid)
		qs := []float64{0.1, 0.25, 0.5, 0.75, 0.9}
		for i, got := range stats.Quantiles(ds, qs...) {
			near(fmt.Sprintf("quantile %v", qs[i]), got, lo+qs[i]*(hi-lo))
		}
	}
}

// TestFullJitterMeanIsHalfTheCeiling checks FullJitter's mean and median
// against t/2 at every attempt up to and beyond the cap.
func TestFullJitterMeanIsHalfTheCeiling(t *testing.T) {
	const base, cap = 10 * time.Millisecond, 5 * time.Second
	s := backoff.FullJitter(base, cap)
	for n := 1; n <= 12; n++ {
		ceil := float64(backoff.Exponential(base, cap).Delay(backoff.Input{Attempt: n}))
		ds := sample(s, n)
		mean, median := stats.Mean(ds), stats.Median(ds)
		if math.Abs(mean-ceil/2) > 0.02*ceil || math.Abs(median-ceil/2) > 0.02*ceil {
			t.Errorf("%v at attempt %d: mean %v, median %v; want both %v ± 2%%", s, n, time.Duration(mean), time.Duration(median), time.Duration(ceil/2))
		}
	}
}

// TestDecorrelatedJitterChain runs DecorrelatedJitter as the retry loop does,
// each delay growing from the one before, and checks that every delay is
// within [base, min(cap, 3·prev)], spread, and that the chain grows to the
// cap.
func TestDecorrelatedJitterChain(t *testing.T) {
	const base, cap = 100 * time.Millisecond, 10 * time.Second
	s := backoff.DecorrelatedJitter(base, cap)
	rng := rand.New(rand.NewPCG(3, 4))
	var prev time.Duration
	ds := make([]float64, draws)
	for i := range ds {
		in := backoff.Input{Attempt: i + 1, Prev: prev, Random: rng.Float64()}
		d := s.Delay(in)
		if hi := min(cap, 3*max(prev, base)); d < base || d > hi {
			t.Fatalf("%v.Delay(%+v) = %v; want within [%v, %v]", s, in, d, base, hi)
		}
		ds[i] = float64(d)
		prev = d
	}
	if n := distinct(ds); n < draws*99/100 {
		t.Errorf("%v: %d distinct delays of %d; want nearly all distinct", s, n, draws)
	}
	// Over a long run the delays average roughly a third of the cap, and
	// some come close to it.
	if mean := stats.Mean(ds); mean < float64(cap)/5 || mean > float64(cap)/2 {
		t.Errorf("%v: mean %v; want between a fifth and half of the cap %v", s, time.Duration(mean), cap)
	}
	if top := stats.Quantiles(ds, 1.0)[0]; top < 0.99*float64(cap) {
		t.Errorf("%v: longest delay %v; want the chain to grow to the cap %v", s, time.Duration(top), cap)
	}
}

// TestDecorrelatedJitterSpreadsAtTheCap is a regression test for the
// published decorrelated formula, min(cap, base + Random·(3·prev - base)),
// under which two in three delays of a saturated chain are exactly the cap:
// clients that reach the cap together retry together. Here the jitter is
// applied inside the cap, so saturated delays are uniform over [base, cap].
func TestDecorrelatedJitterSpreadsAtTheCap(t *testing.T) {
	const base, cap = 100 * time.Millisecond, 10 * time.Second
	s := backoff.DecorrelatedJitter(base, cap)
	rng := rand.New(rand.NewPCG(5, 6))
	ds := make([]float64, draws)
	atCap := 0
	for i := range ds {
		d := s.Delay(backoff.Input{Attempt: 50, Prev: time.Hour, Random: rng.Float64()})
		if d == cap {
			atCap++
		}
		ds[i] = float64(d)
	}
	if atCap > 1 {
		t.Errorf("%v after a long delay: %d of %d delays are exactly the cap; want them spread below it", s, atCap, draws)
	}
	if mean, want := stats.Mean(ds), float64(base+cap)/2; math.Abs(mean-want) > 0.02*float64(cap-base) {
		t.Errorf("%v after a long delay: mean %v; want %v ± 2%%", s, time.Duration(mean), time.Duration(want))
	}
}
