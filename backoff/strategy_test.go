package backoff_test

import (
	"math"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
)

// almostOne is the largest float64 below 1, the highest draw Input.Random
// promises.
const almostOne = 1 - 0x1p-53

// delayTest is one row of a table of exact delays.
type delayTest struct {
	name string
	s    backoff.Strategy
	in   backoff.Input
	want time.Duration
}

func runDelayTests(t *testing.T, tests []delayTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Delay(tt.in); got != tt.want {
				t.Errorf("%v.Delay(%+v) = %v; want %v", tt.s, tt.in, got, tt.want)
			}
		})
	}
}

// at returns the Input of attempt n with the draw r.
func at(n int, r float64) backoff.Input { return backoff.Input{Attempt: n, Random: r} }

// after returns the Input of attempt 2 after a delay of prev, with the draw
// r.
func after(prev time.Duration, r float64) backoff.Input {
	return backoff.Input{Attempt: 2, Prev: prev, Random: r}
}

func TestConstant(t *testing.T) {
	s := backoff.Constant(3 * time.Second)
	runDelayTests(t, []delayTest{
		{"waits d after the first attempt", s, at(1, 0), 3 * time.Second},
		{"ignores the draw", s, at(1, almostOne), 3 * time.Second},
		{"ignores the attempt", s, at(1000, 0.5), 3 * time.Second},
		{"ignores prev", s, after(time.Hour, 0.5), 3 * time.Second},
		{"zero waits nothing", backoff.Constant(0), at(5, 0.5), 0},
		{"negative waits nothing", backoff.Constant(-time.Second), at(1, 0.5), 0},
	})
}

func TestExponential(t *testing.T) {
	s := backoff.Exponential(100*time.Millisecond, time.Second)
	runDelayTests(t, []delayTest{
		{"first attempt waits base", s, at(1, 0), 100 * time.Millisecond},
		{"second attempt doubles", s, at(2, 0), 200 * time.Millisecond},
		{"third attempt doubles again", s, at(3, 0), 400 * time.Millisecond},
		{"fourth attempt below cap", s, at(4, 0), 800 * time.Millisecond},
		{"fifth attempt reaches cap", s, at(5, 0), time.Second},
		{"attempt 1000 stays at cap", s, at(1000, 0), time.Second},
		{"has no jitter", s, at(3, almostOne), 400 * time.Millisecond},
		{"attempt 0 counts as 1", s, at(0, 0.5), 100 * time.Millisecond},
		{"attempt -1 counts as 1", s, at(-1, 0.5), 100 * time.Millisecond},
		{"attempt MinInt counts as 1", s, at(math.MinInt, 0.5), 100 * time.Millisecond},
		{"attempt MaxInt is cap", s, at(math.MaxInt, 0.5), time.Second},
		{"1s base at attempt 34 is exact", backoff.Exponential(time.Second, math.MaxInt64), at(34, 0), (1 << 33) * time.Second},
		{"1s base at attempt 35 saturates instead of going negative", backoff.Exponential(time.Second, math.MaxInt64), at(35, 0), math.MaxInt64},
		{"1ns base at attempt 63 is exact", backoff.Exponential(1, math.MaxInt64), at(63, 0), 1 << 62},
		{"1ns base at attempt 64 saturates", backoff.Exponential(1, math.MaxInt64), at(64, 0), math.MaxInt64},
		{"cap equal to base is constant", backoff.Exponential(time.Second, time.Second), at(10, 0), time.Second},
		{"base that float64 cannot hold is exact", backoff.Exponential(math.MaxInt64/3, math.MaxInt64), at(1, 0), math.MaxInt64 / 3},
		{"cap that float64 cannot hold is exact", backoff.Exponential(1, math.MaxInt64/3), at(100, 0), math.MaxInt64 / 3},
		{"zero base waits nothing", backoff.Exponential(0, time.Second), at(1000, 0.5), 0},
		{"zero cap waits nothing", backoff.Exponential(0, 0), at(3, 0.5), 0},
	})
}

func TestFullJitter(t *testing.T) {
	s := backoff.FullJitter(100*time.Millisecond, time.Second)
	runDelayTests(t, []delayTest{
		{"lowest draw waits nothing", s, at(1, 0), 0},
		{"middle draw waits half of base", s, at(1, 0.5), 50 * time.Millisecond},
		{"highest draw waits base", s, at(1, almostOne), 100 * time.Millisecond},
		{"third attempt spreads over 400ms", s, at(3, 0.5), 200 * time.Millisecond},
		{"quarter draw", s, at(3, 0.25), 100 * time.Millisecond},
		{"saturated lowest draw waits nothing", s, at(5, 0), 0},
		{"saturated middle draw waits half the cap", s, at(5, 0.5), 500 * time.Millisecond},
		{"saturated highest draw waits the cap", s, at(5, almostOne), time.Second},
		{"attempt 1000 still jitters", s, at(1000, 0.5), 500 * time.Millisecond},
		{"attempt 0 counts as 1", s, at(0, 0.5), 50 * time.Millisecond},
		{"draw 2 counts as the highest", s, at(1, 2), 100 * time.Millisecond},
		{"draw +Inf counts as the highest", s, at(1, math.Inf(1)), 100 * time.Millisecond},
		{"draw -1 counts as the lowest", s, at(1, -1), 0},
		{"draw NaN counts as the lowest", s, at(1, math.NaN()), 0},
	})
}

func TestEqualJitter(t *testing.T) {
	s := backoff.EqualJitter(100*time.Millisecond, time.Second)
	runDelayTests(t, []delayTest{
		{"lowest draw waits half of base", s, at(1, 0), 50 * time.Millisecond},
		{"middle draw waits three quarters of base", s, at(1, 0.5), 75 * time.Millisecond},
		{"highest draw waits base", s, at(1, almostOne), 100 * time.Millisecond},
		{"third attempt lowest draw", s, at(3, 0), 200 * time.Millisecond},
		{"third attempt middle draw", s, at(3, 0.5), 300 * time.Millisecond},
		{"saturated lowest draw waits half the cap", s, at(5, 0), 500 * time.Millisecond},
		{"saturated middle draw", s, at(5, 0.5), 750 * time.Millisecond},
		{"saturated highest draw waits the cap", s, at(5, almostOne), time.Second},
		{"attempt -1 counts as 1", s, at(-1, 0), 50 * time.Millisecond},
		{"draw -1 counts as the lowest", s, at(1, -1), 50 * time.Millisecond},
		{"draw NaN counts as the lowest", s, at(1, math.NaN()), 50 * time.Millisecond},
		{"draw 2 counts as the highest", s, at(1, 2), 100 * time.Millisecond},
		{"odd base rounds half up", backoff.EqualJitter(3, 3), at(1, 0), 2},
		{"cap that float64 cannot hold: lowest draw is exactly half of it", backoff.EqualJitter(1, math.MaxInt64/3), at(100, 0), math.MaxInt64 / 3 / 2},
	})
}

func TestEqualJitterGrowth(t *testing.T) {
	s := backoff.EqualJitterGrowth(100*time.Millisecond, 20*time.Second, 1.5)
	runDelayTests(t, []delayTest{
		{"first attempt lowest draw", s, at(1, 0), 50 * time.Millisecond},
		{"first attempt highest draw", s, at(1, almostOne), 100 * time.Millisecond},
		{"second attempt grows by half", s, at(2, 0), 75 * time.Millisecond},
		{"second attempt middle draw", s, at(2, 0.5), 112500 * time.Microsecond},
		{"third attempt lowest draw", s, at(3, 0), 112500 * time.Microsecond},
		{"third attempt middle draw", s, at(3, 0.5), 168750 * time.Microsecond},
		{"saturated lowest draw", s, at(20, 0), 10 * time.Second},
		{"saturated middle draw", s, at(20, 0.5), 15 * time.Second},
		{"saturated highest draw", s, at(20, almostOne), 20 * time.Second},
		{"attempt MaxInt saturates", s, at(math.MaxInt, 0.5), 15 * time.Second},
		{"growth 1 never grows", backoff.EqualJitterGrowth(100*time.Millisecond, time.Second, 1), at(1000, 0.5), 75 * time.Millisecond},
		{"growth 2 is EqualJitter", backoff.EqualJitterGrowth(100*time.Millisecond, time.Second, 2), at(3, 0.5), 300 * time.Millisecond},
		{"huge growth saturates at attempt 2", backoff.EqualJitterGrowth(time.Nanosecond, time.Second, 1e300), at(2, 0), 500 * time.Millisecond},
		{"zero base with huge growth waits nothing", backoff.EqualJitterGrowth(0, time.Second, 1e300), at(1000, 0.5), 0},
	})
}

func TestDecorrelatedJitter(t *testing.T) {
	s := backoff.DecorrelatedJitter(100*time.Millisecond, 10*time.Second)
	runDelayTests(t, []delayTest{
		{"prev 0 lowest draw waits base", s, after(0, 0), 100 * time.Millisecond},
		{"prev 0 middle draw", s, after(0, 0.5), 200 * time.Millisecond},
		{"prev 0 highest draw waits three times base", s, after(0, almostOne), 300 * time.Millisecond},
		{"prev below base counts as base", s, after(50*time.Millisecond, 0.5), 200 * time.Millisecond},
		{"negative prev counts as base", s, after(-time.Hour, 0.5), 200 * time.Millisecond},
		{"prev 2s lowest draw waits base", s, after(2*time.Second, 0), 100 * time.Millisecond},
		{"prev 2s middle draw", s, after(2*time.Second, 0.5), 3050 * time.Millisecond},
		{"prev 2s highest draw waits three times prev", s, after(2*time.Second, almostOne), 6 * time.Second},
		{"prev 3s lowest draw waits base", s, after(3*time.Second, 0), 100 * time.Millisecond},
		{"prev 3s middle draw", s, after(3*time.Second, 0.5), 4550 * time.Millisecond},
		{"prev 3s highest draw waits three times prev", s, after(3*time.Second, almostOne), 9 * time.Second},
		{"prev 5s lowest draw waits base", s, after(5*time.Second, 0), 100 * time.Millisecond},
		{"prev 5s middle draw jitters inside the cap", s, after(5*time.Second, 0.5), 5050 * time.Millisecond},
		{"prev 5s highest draw waits the cap", s, after(5*time.Second, almostOne), 10 * time.Second},
		{"prev MaxInt64 lowest draw waits base", s, after(math.MaxInt64, 0), 100 * time.Millisecond},
		{"prev MaxInt64 middle draw jitters inside the cap", s, after(math.MaxInt64, 0.5), 5050 * time.Millisecond},
		{"prev MaxInt64 highest draw waits the cap", s, after(math.MaxInt64, almostOne), 10 * time.Second},
		{"ignores the attempt", s, backoff.Input{Attempt: 1000, Prev: 2 * time.Second, Random: 0.5}, 3050 * time.Millisecond},
		{"draw -1 counts as the lowest", s, after(2*time.Second, -1), 100 * time.Millisecond},
		{"draw +Inf counts as the highest", s, after(2*time.Second, math.Inf(1)), 6 * time.Second},
		{"cap MaxInt64 and prev MaxInt64 lowest draw waits base", backoff.DecorrelatedJitter(time.Second, math.MaxInt64), after(math.MaxInt64, 0), time.Second},
		{"cap MaxInt64 and prev MaxInt64 highest draw saturates", backoff.DecorrelatedJitter(time.Second, math.MaxInt64), after(math.MaxInt64, almostOne), math.MaxInt64},
		{"cap equal to base waits base", backoff.DecorrelatedJitter(time.Second, time.Second), after(time.Hour, 0.5), time.Second},
		{"base that float64 cannot hold is exact", backoff.DecorrelatedJitter(math.MaxInt64/3, math.MaxInt64), after(0, 0), math.MaxInt64 / 3},
		{"zero base and prev 0 wait nothing", backoff.DecorrelatedJitter(0, time.Second), after(0, 0.5), 0},
		{"zero base grows from prev", backoff.DecorrelatedJitter(0, time.Second), after(100*time.Millisecond, 0.5), 150 * time.Millisecond},
	})
}

func TestCap(t *testing.T) {
	exp := backoff.Exponential(100*time.Millisecond, time.Second)
	runDelayTests(t, []delayTest{
		{"below max passes through", backoff.Cap(300*time.Millisecond, exp), at(2, 0), 200 * time.Millisecond},
		{"at max passes through", backoff.Cap(400*time.Millisecond, exp), at(3, 0), 400 * time.Millisecond},
		{"above max is max", backoff.Cap(300*time.Millisecond, exp), at(3, 0), 300 * time.Millisecond},
		{"max above the inner cap changes nothing", backoff.Cap(time.Hour, exp), at(100, 0), time.Second},
		{"zero max waits nothing", backoff.Cap(0, exp), at(3, 0), 0},
		{"negative inner delay is zero", backoff.Cap(time.Second, fixed(-5*time.Second)), at(1, 0), 0},
		{"MaxInt64 inner delay is max", backoff.Cap(time.Second, fixed(math.MaxInt64)), at(1, 0), time.Second},
		{"delay just below a max near MaxInt64 is kept", backoff.Cap(math.MaxInt64-1, fixed(math.MaxInt64-2)), at(1, 0), math.MaxInt64 - 2},
		{"negative max waits nothing", backoff.Cap(-time.Second, exp), at(3, 0), 0},
		{"cuts the jitter off at max", backoff.Cap(300*time.Millisecond, backoff.FullJitter(time.Second, time.Second)), at(1, 0.5), 300 * time.Millisecond},
	})
}

func TestFloor(t *testing.T) {
	exp := backoff.Exponential(100*time.Millisecond, time.Second)
	runDelayTests(t, []delayTest{
		{"below min is min", backoff.Floor(150*time.Millisecond, exp), at(1, 0), 150 * time.Millisecond},
		{"above min passes through", backoff.Floor(150*time.Millisecond, exp), at(2, 0), 200 * time.Millisecond},
		{"min above the inner cap wins", backoff.Floor(2*time.Second, exp), at(10, 0), 2 * time.Second},
		{"raises a zero jittered delay", backoff.Floor(10*time.Millisecond, backoff.FullJitter(100*time.Millisecond, time.Second)), at(1, 0), 10 * time.Millisecond},
		{"zero min raises a negative delay to zero", backoff.Floor(0, fixed(-time.Second)), at(1, 0), 0},
		{"negative min waits no less than zero", backoff.Floor(-time.Second, fixed(-5*time.Second)), at(1, 0), 0},
	})
}

func TestJitter(t *testing.T) {
	c := backoff.Constant(time.Second)
	exp := backoff.Exponential(100*time.Millisecond, time.Second)
	runDelayTests(t, []delayTest{
		{"half lowest draw", backoff.Jitter(0.5, c), at(1, 0), 500 * time.Millisecond},
		{"half middle draw", backoff.Jitter(0.5, c), at(1, 0.5), 750 * time.Millisecond},
		{"half highest draw", backoff.Jitter(0.5, c), at(1, almostOne), time.Second},
		{"zero fraction changes nothing", backoff.Jitter(0, c), at(1, 0), time.Second},
		{"full fraction lowest draw waits nothing", backoff.Jitter(1, c), at(1, 0), 0},
		{"full fraction middle draw", backoff.Jitter(1, c), at(1, 0.5), 500 * time.Millisecond},
		{"fifth of Exponential lowest draw", backoff.Jitter(0.2, exp), at(3, 0), 320 * time.Millisecond},
		{"fifth of Exponential middle draw", backoff.Jitter(0.2, exp), at(3, 0.5), 360 * time.Millisecond},
		{"stays inside the inner cap", backoff.Jitter(0.5, exp), at(1000, almostOne), time.Second},
		{"negative inner delay is zero", backoff.Jitter(0.5, fixed(-time.Second)), at(1, 0.5), 0},
		{"MaxInt64 inner delay stays inside", backoff.Jitter(0.5, fixed(math.MaxInt64)), at(1, almostOne), math.MaxInt64},
		{"draw 2 counts as the highest", backoff.Jitter(0.5, c), at(1, 2), time.Second},
		{"draw NaN counts as the lowest", backoff.Jitter(0.5, c), at(1, math.NaN()), 500 * time.Millisecond},
		{"fraction above 1 waits no less than zero", backoff.Jitter(3, c), at(1, 0), 0},
		{"NaN fraction waits nothing", backoff.Jitter(math.NaN(), c), at(1, 0.5), 0},
	})
}

// fixed is a Func that always returns d, even a negative d.
func fixed(d time.Duration) backoff.Func {
	return func(backoff.Input) time.Duration { return d }
}

func TestFunc(t *testing.T) {
	byClass := backoff.Func(func(in backoff.Input) time.Duration {
		if in.Class == classify.RateLimit {
			return 5 * time.Second
		}
		return time.Duration(in.Attempt) * 100 * time.Millisecond
	})
	runDelayTests(t, []delayTest{
		{"returns what the function returns", byClass, at(3, 0), 300 * time.Millisecond},
		{"sees the class", byClass, backoff.Input{Attempt: 3, Class: classify.RateLimit}, 5 * time.Second},
		{"returns a negative delay unchanged", fixed(-time.Second), at(1, 0), -time.Second},
	})
}

// TestJitterOfExponential checks the identities that Jitter's doc comment
// promises: fraction 1 over Exponential is FullJitter and fraction 0.5 is
// EqualJitter, for the same draw.
func TestJitterOfExponential(t *testing.T) {
	const base, cap = 3 * time.Millisecond, 7 * time.Second
	exp := backoff.Exponential(base, cap)
	pairs := []struct{ jitter, want backoff.Strategy }{
		{backoff.Jitter(1, exp), backoff.FullJitter(base, cap)},
		{backoff.Jitter(0.5, exp), backoff.EqualJitter(base, cap)},
	}
	for _, p := range pairs {
		for n := -1; n <= 70; n++ {
			for _, r := range []float64{0, 0.1, 1.0 / 3, 0.5, 0.7, 0.999, almostOne} {
				in := at(n, r)
				if got, want := p.jitter.Delay(in), p.want.Delay(in); got != want {
					t.Errorf("%v.Delay(%+v) = %v; want %v, as %v", p.jitter, in, got, want, p.want)
				}
			}
		}
	}
}
