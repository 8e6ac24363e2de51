package backoff_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
)

// The fuzz targets check the promises of the package for any parameters and
// any Input: Delay and String never panic, Delay is never negative, and if
// Validate accepts the strategy, every delay is within its published bounds
// and so within [0, cap]. The seeds are the edges that peers got wrong.

const maxDur = math.MaxInt64

// seedDurations are the base, cap and prev values of the seed corpora.
var seedDurations = []int64{math.MinInt64, -1, 0, 1, int64(time.Second), maxDur / 3, maxDur / 2, maxDur - 1, maxDur}

// seedAttempts are the attempt numbers of the seed corpora.
var seedAttempts = []int{math.MinInt, -1, 0, 1, 34, 63, 64, 65, 1000, math.MaxInt}

// seedRandoms are the draws of the seed corpora, in and out of [0, 1).
var seedRandoms = []float64{0, 0.5, almostOne, -1, 2, math.NaN(), math.Inf(1)}

// exercise calls what every strategy offers and reports the delay, or fails
// t if Delay is negative.
func exercise(t *testing.T, s backoff.Strategy, in backoff.Input) (d time.Duration, valid bool) {
	t.Helper()
	_ = fmt.Sprint(s)
	valid = backoff.Validate(s) == nil
	d = s.Delay(in)
	if d < 0 {
		t.Fatalf("%v.Delay(%+v) = %v; want no negative delay", s, in, d)
	}
	return d, valid
}

// within fails t unless lo <= d <= hi.
func within(t *testing.T, s backoff.Strategy, in backoff.Input, d, lo, hi time.Duration) {
	t.Helper()
	if d < lo || d > hi {
		t.Fatalf("%v.Delay(%+v) = %v; want within [%v, %v]", s, in, d, lo, hi)
	}
}

// notAbove fails t if d, the delay at r, is above d2, the delay at r2 >= r.
func notAbove(t *testing.T, s backoff.Strategy, in backoff.Input, d time.Duration, r2 float64, d2 time.Duration) {
	t.Helper()
	if d > d2 {
		t.Fatalf("%v.Delay(%+v) = %v, above %v at the higher draw %v; want delays that grow with the draw", s, in, d, d2, r2)
	}
}

// ordered returns r and r2 in increasing order, NaN first as it counts as 0.
func ordered(r, r2 float64) (float64, float64) {
	if r2 < r || math.IsNaN(r2) {
		return r2, r
	}
	return r, r2
}

func FuzzExponential(f *testing.F) {
	for _, base := range seedDurations {
		for _, n := range seedAttempts {
			f.Add(base, int64(maxDur), n)
			f.Add(base, base, n)
		}
	}
	f.Add(int64(time.Second), int64(maxDur/2), 35)
	f.Fuzz(func(t *testing.T, base, cap int64, attempt int) {
		s := backoff.Exponential(time.Duration(base), time.Duration(cap))
		in := backoff.Input{Attempt: attempt}
		d, valid := exercise(t, s, in)
		if !valid {
			return
		}
		within(t, s, in, d, time.Duration(base), time.Duration(cap))
		if attempt < math.MaxInt {
			next := backoff.Input{Attempt: attempt + 1}
			if d2 := s.Delay(next); d2 < d {
				t.Fatalf("%v.Delay(%+v) = %v, below %v after the attempt before; want a ceiling that never shrinks", s, next, d2, d)
			}
		}
	})
}

func FuzzFullJitter(f *testing.F) {
	for _, base := range seedDurations {
		for _, n := range seedAttempts {
			for _, r := range seedRandoms {
				f.Add(base, int64(maxDur), n, r, 0.5)
			}
		}
	}
	f.Add(int64(maxDur/2), int64(maxDur), 64, almostOne, 0.0)
	f.Fuzz(func(t *testing.T, base, cap int64, attempt int, r, r2 float64) {
		s := backoff.FullJitter(time.Duration(base), time.Duration(cap))
		in := backoff.Input{Attempt: attempt, Random: r}
		d, valid := exercise(t, s, in)
		if !valid {
			return
		}
		ceil := backoff.Exponential(time.Duration(base), time.Duration(cap)).Delay(in)
		within(t, s, in, d, 0, ceil)
		lo, hi := ordered(r, r2)
		in.Random = lo
		dlo := s.Delay(in)
		notAbove(t, s, in, dlo, hi, s.Delay(backoff.Input{Attempt: attempt, Random: hi}))
	})
}

func FuzzEqualJitter(f *testing.F) {
	for _, base := range seedDurations {
		for _, n := range seedAttempts {
			for _, g := range []float64{1, 1.5, 2, 1e300, 0.5, math.NaN(), math.Inf(1)} {
				f.Add(base, int64(maxDur), n, 0.5, 0.0, g)
			}
		}
	}
	f.Add(int64(maxDur/2), int64(maxDur), 1000, almostOne, 2.0, 1.5)
	f.Fuzz(func(t *testing.T, base, cap int64, attempt int, r, r2, growth float64) {
		s := backoff.EqualJitterGrowth(time.Duration(base), time.Duration(cap), growth)
		in := backoff.Input{Attempt: attempt, Random: r}
		d, valid := exercise(t, s, in)
		if !valid {
			return
		}
		// t >= base, so no delay is below base/2.
		within(t, s, in, d, time.Duration(base/2), time.Duration(cap))
		if growth == 2 {
			ceil := backoff.Exponential(time.Duration(base), time.Duration(cap)).Delay(in)
			within(t, s, in, d, ceil/2, ceil)
		}
		lo, hi := ordered(r, r2)
		in.Random = lo
		notAbove(t, s, in, s.Delay(in), hi, s.Delay(backoff.Input{Attempt: attempt, Random: hi}))
		if attempt < math.MaxInt {
			next := backoff.Input{Attempt: attempt + 1, Random: r}
			if d2 := s.Delay(next); d2 < d {
				t.Fatalf("%v.Delay(%+v) = %v, below %v after the attempt before; want delays that never shrink for a fixed draw", s, next, d2, d)
			}
		}
	})
}

func FuzzDecorrelatedJitter(f *testing.F) {
	for _, base := range seedDurations {
		for _, prev := range seedDurations {
			for _, r := range seedRandoms {
				f.Add(base, int64(maxDur), prev, r, 0.0)
			}
		}
	}
	f.Add(int64(time.Second), int64(30*time.Second), int64(maxDur/2), almostOne, 0.5)
	f.Fuzz(func(t *testing.T, base, cap, prev int64, r, r2 float64) {
		s := backoff.DecorrelatedJitter(time.Duration(base), time.Duration(cap))
		in := backoff.Input{Attempt: 2, Prev: time.Duration(prev), Random: r}
		d, valid := exercise(t, s, in)
		if !valid {
			return
		}
		within(t, s, in, d, time.Duration(base), time.Duration(cap))
		if p := max(prev, base); p <= maxDur/3 && d > 3*time.Duration(p) {
			t.Fatalf("%v.Delay(%+v) = %v; want at most three times %v", s, in, d, time.Duration(p))
		}
		lo, hi := ordered(r, r2)
		in.Random = lo
		notAbove(t, s, in, s.Delay(in), hi, s.Delay(backoff.Input{Attempt: 2, Prev: time.Duration(prev), Random: hi}))
	})
}

// FuzzDecorators wraps a Func that returns any Duration, even a negative
// one, and a jittered strategy in Cap, Floor and Jitter, alone and nested.
func FuzzDecorators(f *testing.F) {
	for _, raw := range seedDurations {
		for _, bound := range seedDurations {
			for _, frac := range []float64{0, 0.5, 1, -1, 2, math.NaN(), math.Inf(1)} {
				f.Add(raw, bound, bound/2, frac, 64, 0.5)
			}
		}
	}
	f.Add(int64(maxDur-2), int64(maxDur-1), int64(0), 0.5, 1000, almostOne)
	f.Fuzz(func(t *testing.T, raw, hi, lo int64, fraction float64, attempt int, r float64) {
		in := backoff.Input{Attempt: attempt, Prev: time.Duration(raw), Random: r}
		mx, mn := time.Duration(hi), time.Duration(lo)
		inners := []backoff.Strategy{
			fixed(time.Duration(raw)),
			backoff.FullJitter(time.Second, mx),
			backoff.Exponential(mn, mx),
			backoff.DecorrelatedJitter(mn, mx),
		}
		for _, inner := range inners {
			id := inner.Delay(in)
			innerValid := backoff.Validate(inner) == nil

			s := backoff.Cap(mx, inner)
			if d, valid := exercise(t, s, in); valid {
				if want := min(max(id, 0), mx); d != want {
					t.Fatalf("%v.Delay(%+v) = %v; want %v", s, in, d, want)
				}
			}

			s = backoff.Floor(mn, inner)
			if d, valid := exercise(t, s, in); valid && d != max(id, mn) {
				t.Fatalf("%v.Delay(%+v) = %v; want %v", s, in, d, max(id, mn))
			}

			s = backoff.Jitter(fraction, inner)
			if d, valid := exercise(t, s, in); valid {
				top := max(id, 0)
				within(t, s, in, d, 0, top)
				if lo := float64(top) * (1 - fraction); float64(d) < math.Floor(lo) {
					t.Fatalf("%v.Delay(%+v) = %v; want at least %v", s, in, d, time.Duration(lo))
				}
			}

			s = backoff.Floor(mn, backoff.Cap(mx, backoff.Jitter(fraction, inner)))
			if d, valid := exercise(t, s, in); valid {
				within(t, s, in, d, mn, max(mn, mx))
			}
			if innerValid {
				continue
			}
			// An invalid inner strategy makes every decorator invalid.
			for _, s := range []backoff.Strategy{backoff.Cap(time.Hour, inner), backoff.Floor(0, inner), backoff.Jitter(0.5, inner)} {
				if err := backoff.Validate(s); err == nil {
					t.Fatalf("Validate(%v) = nil; want the error of %v", s, inner)
				}
			}
		}
	})
}
