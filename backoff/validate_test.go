package backoff_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
)

// checked is a strategy of a user's own that reports err from Validate.
type checked struct{ err error }

func (checked) Delay(backoff.Input) time.Duration { return time.Second }
func (c checked) Validate() error                 { return c.err }

// unchecked is a strategy of a user's own without a Validate method.
type unchecked struct{}

func (unchecked) Delay(backoff.Input) time.Duration { return time.Second }

// ptrChecked is a strategy of a user's own whose methods, Validate
// included, dereference it: a nil *ptrChecked held as a Strategy is a typed
// nil, which panicked in Validate.
type ptrChecked struct{ d time.Duration }

func (s *ptrChecked) Delay(backoff.Input) time.Duration { return s.d }
func (s *ptrChecked) Validate() error {
	if s.d < 0 {
		return errors.New("negative")
	}
	return nil
}

// funcStrategy is a strategy of a user's own that is a function type.
type funcStrategy func() time.Duration

func (f funcStrategy) Delay(backoff.Input) time.Duration { return f() }

func TestValidateAccepts(t *testing.T) {
	exp := backoff.Exponential(100*time.Millisecond, time.Second)
	tests := []struct {
		name string
		s    backoff.Strategy
	}{
		{"zero constant", backoff.Constant(0)},
		{"cap equal to base", backoff.Exponential(time.Second, time.Second)},
		{"zero base and cap", backoff.FullJitter(0, 0)},
		{"MaxInt64 cap", backoff.EqualJitter(1, math.MaxInt64)},
		{"MaxInt64 base and cap", backoff.DecorrelatedJitter(math.MaxInt64, math.MaxInt64)},
		{"growth 1", backoff.EqualJitterGrowth(time.Second, time.Minute, 1)},
		{"growth MaxFloat64", backoff.EqualJitterGrowth(time.Second, time.Minute, math.MaxFloat64)},
		{"fraction 0", backoff.Jitter(0, exp)},
		{"fraction 1", backoff.Jitter(1, exp)},
		{"zero max", backoff.Cap(0, exp)},
		{"zero min", backoff.Floor(0, exp)},
		{"min above the inner cap", backoff.Floor(time.Hour, exp)},
		{"nested decorators", backoff.Floor(time.Millisecond, backoff.Cap(time.Second, backoff.Jitter(0.5, exp)))},
		{"func", fixed(time.Second)},
		{"capped func", backoff.Cap(time.Second, fixed(time.Second))},
		{"strategy without Validate", unchecked{}},
		{"decorated strategy without Validate", backoff.Jitter(0.5, unchecked{})},
		{"pointer strategy of your own", &ptrChecked{}},
		{"decorated func strategy of your own", backoff.Cap(time.Second, funcStrategy(func() time.Duration { return 0 }))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := backoff.Validate(tt.s); err != nil {
				t.Errorf("Validate(%v) = %v; want nil", tt.s, err)
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	exp := backoff.Exponential(100*time.Millisecond, time.Second)
	bad := backoff.Exponential(-time.Second, time.Second)
	const badErr = "backoff.Exponential(-1s, 1s): base -1s must not be negative"
	tests := []struct {
		name string
		s    backoff.Strategy
		want string
	}{
		{"nil strategy", nil, "backoff: strategy is nil"},
		{"negative constant", backoff.Constant(-time.Second),
			"backoff.Constant(-1s): delay -1s must not be negative"},
		{"negative base", bad, badErr},
		{"negative cap", backoff.FullJitter(time.Second, -1),
			"backoff.FullJitter(1s, -1ns): cap -1ns must not be negative"},
		{"cap below base", backoff.EqualJitter(2*time.Second, time.Second),
			"backoff.EqualJitter(2s, 1s): cap 1s must not be less than base 2s"},
		{"MinInt64 base", backoff.DecorrelatedJitter(math.MinInt64, 0),
			"backoff.DecorrelatedJitter(-2562047h47m16.854775808s, 0s): base -2562047h47m16.854775808s must not be negative"},
		{"negative base and cap report the base", backoff.Exponential(-2, -1),
			"backoff.Exponential(-2ns, -1ns): base -2ns must not be negative"},
		{"growth below 1", backoff.EqualJitterGrowth(time.Second, time.Minute, 0.5),
			"backoff.EqualJitterGrowth(1s, 1m0s, 0.5): growth 0.5 must be a finite number of at least 1"},
		{"growth just below 1", backoff.EqualJitterGrowth(time.Second, time.Minute, 1-0x1p-53),
			"backoff.EqualJitterGrowth(1s, 1m0s, 0.9999999999999999): growth 0.9999999999999999 must be a finite number of at least 1"},
		{"negative growth", backoff.EqualJitterGrowth(time.Second, time.Minute, -2),
			"backoff.EqualJitterGrowth(1s, 1m0s, -2): growth -2 must be a finite number of at least 1"},
		{"NaN growth", backoff.EqualJitterGrowth(time.Second, time.Minute, math.NaN()),
			"backoff.EqualJitterGrowth(1s, 1m0s, NaN): growth NaN must be a finite number of at least 1"},
		{"infinite growth", backoff.EqualJitterGrowth(time.Second, time.Minute, math.Inf(1)),
			"backoff.EqualJitterGrowth(1s, 1m0s, +Inf): growth +Inf must be a finite number of at least 1"},
		{"bad growth is reported before a bad base", backoff.EqualJitterGrowth(-1, time.Minute, 0),
			"backoff.EqualJitterGrowth(-1ns, 1m0s, 0): growth 0 must be a finite number of at least 1"},
		{"bad base with growth", backoff.EqualJitterGrowth(-1, time.Minute, 1.5),
			"backoff.EqualJitterGrowth(-1ns, 1m0s, 1.5): base -1ns must not be negative"},
		{"negative max", backoff.Cap(-time.Second, exp),
			"backoff.Cap(-1s, backoff.Exponential(100ms, 1s)): max -1s must not be negative"},
		{"cap of nil", backoff.Cap(time.Second, nil),
			"backoff.Cap(1s, <nil>): strategy is nil"},
		{"cap of bad", backoff.Cap(time.Second, bad), badErr},
		{"negative min", backoff.Floor(-time.Second, exp),
			"backoff.Floor(-1s, backoff.Exponential(100ms, 1s)): min -1s must not be negative"},
		{"floor of nil", backoff.Floor(time.Second, nil),
			"backoff.Floor(1s, <nil>): strategy is nil"},
		{"floor of bad", backoff.Floor(time.Second, bad), badErr},
		{"fraction above 1", backoff.Jitter(1.5, exp),
			"backoff.Jitter(1.5, backoff.Exponential(100ms, 1s)): fraction 1.5 must be within [0, 1]"},
		{"negative fraction", backoff.Jitter(-0.1, exp),
			"backoff.Jitter(-0.1, backoff.Exponential(100ms, 1s)): fraction -0.1 must be within [0, 1]"},
		{"NaN fraction", backoff.Jitter(math.NaN(), exp),
			"backoff.Jitter(NaN, backoff.Exponential(100ms, 1s)): fraction NaN must be within [0, 1]"},
		{"infinite fraction", backoff.Jitter(math.Inf(1), exp),
			"backoff.Jitter(+Inf, backoff.Exponential(100ms, 1s)): fraction +Inf must be within [0, 1]"},
		{"jitter of nil", backoff.Jitter(0.5, nil),
			"backoff.Jitter(0.5, <nil>): strategy is nil"},
		{"jitter of bad", backoff.Jitter(0.5, bad), badErr},
		{"nil func", backoff.Func(nil), "backoff.Func(nil): function is nil"},
		{"cap of nil func", backoff.Cap(time.Second, backoff.Func(nil)), "backoff.Func(nil): function is nil"},
		{"nested decorators report the innermost fault", backoff.Cap(time.Second, backoff.Floor(time.Millisecond, backoff.Jitter(0.5, bad))), badErr},
		{"nested decorators report a nil in the middle",
			backoff.Cap(time.Second, backoff.Floor(time.Millisecond, backoff.Jitter(0.5, nil))),
			"backoff.Jitter(0.5, <nil>): strategy is nil"},
		{"outer fault is reported before an inner one",
			backoff.Cap(-1, backoff.Jitter(2, bad)),
			"backoff.Cap(-1ns, backoff.Jitter(2, backoff.Exponential(-1s, 1s))): max -1ns must not be negative"},
		{"strategy of your own", checked{errors.New("mine is bad")}, "mine is bad"},
		{"nil pointer", (*ptrChecked)(nil), "backoff: strategy is a nil *backoff_test.ptrChecked"},
		{"nil func of your own", funcStrategy(nil), "backoff: strategy is a nil backoff_test.funcStrategy"},
		{"cap of a nil pointer", backoff.Cap(time.Second, (*ptrChecked)(nil)),
			"backoff.Cap(1s, <nil>): strategy is a nil *backoff_test.ptrChecked"},
		{"floor of a nil func of your own", backoff.Floor(time.Second, funcStrategy(nil)),
			"backoff.Floor(1s, <nil>): strategy is a nil backoff_test.funcStrategy"},
		{"nested decorators report a nil pointer in the middle",
			backoff.Cap(time.Second, backoff.Jitter(0.5, (*ptrChecked)(nil))),
			"backoff.Jitter(0.5, <nil>): strategy is a nil *backoff_test.ptrChecked"},
		{"decorated strategy of your own", backoff.Jitter(0.5, checked{errors.New("mine is bad")}), "mine is bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := backoff.Validate(tt.s)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Validate(%v) = %v; want %v", tt.s, err, tt.want)
			}
		})
	}
}

// TestValidateKeepsInnerError checks that a decorator hands back the error
// of the strategy it wraps itself, so that errors.Is and errors.As see it.
func TestValidateKeepsInnerError(t *testing.T) {
	errMine := errors.New("mine is bad")
	s := backoff.Cap(time.Second, backoff.Floor(time.Millisecond, backoff.Jitter(0.5, checked{errMine})))
	if err := backoff.Validate(s); !errors.Is(err, errMine) {
		t.Errorf("Validate(%v) = %v; want an error that is %v", s, err, errMine)
	}
}

func TestString(t *testing.T) {
	exp := backoff.Exponential(100*time.Millisecond, 10*time.Second)
	tests := []struct {
		s    backoff.Strategy
		want string
	}{
		{backoff.Constant(1500 * time.Millisecond), "backoff.Constant(1.5s)"},
		{backoff.Constant(0), "backoff.Constant(0s)"},
		{exp, "backoff.Exponential(100ms, 10s)"},
		{backoff.FullJitter(time.Second, time.Minute), "backoff.FullJitter(1s, 1m0s)"},
		{backoff.EqualJitter(time.Second, time.Minute), "backoff.EqualJitter(1s, 1m0s)"},
		{backoff.EqualJitterGrowth(100*time.Millisecond, 20*time.Second, 1.5), "backoff.EqualJitterGrowth(100ms, 20s, 1.5)"},
		{backoff.EqualJitterGrowth(100*time.Millisecond, 20*time.Second, 2), "backoff.EqualJitter(100ms, 20s)"},
		{backoff.DecorrelatedJitter(250*time.Millisecond, 30*time.Second), "backoff.DecorrelatedJitter(250ms, 30s)"},
		{backoff.Cap(time.Second, exp), "backoff.Cap(1s, backoff.Exponential(100ms, 10s))"},
		{backoff.Floor(time.Second, exp), "backoff.Floor(1s, backoff.Exponential(100ms, 10s))"},
		{backoff.Jitter(0.25, exp), "backoff.Jitter(0.25, backoff.Exponential(100ms, 10s))"},
		{backoff.Floor(10*time.Millisecond, backoff.Cap(5*time.Second, backoff.Jitter(0.5, exp))),
			"backoff.Floor(10ms, backoff.Cap(5s, backoff.Jitter(0.5, backoff.Exponential(100ms, 10s))))"},
		{fixed(time.Second), "backoff.Func"},
		{backoff.Func(nil), "backoff.Func(nil)"},
		{backoff.Cap(time.Second, fixed(time.Second)), "backoff.Cap(1s, backoff.Func)"},
		{backoff.Cap(time.Second, nil), "backoff.Cap(1s, <nil>)"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(tt.s); got != tt.want {
			t.Errorf("String() = %q; want %q", got, tt.want)
		}
	}
}

// TestStrategiesCompareEqual checks that strategies built from the same
// parameters are equal, so that code (and tests) holding a strategy can
// compare it.
func TestStrategiesCompareEqual(t *testing.T) {
	build := func() []backoff.Strategy {
		return []backoff.Strategy{
			backoff.Constant(time.Second),
			backoff.Exponential(time.Second, time.Minute),
			backoff.FullJitter(time.Second, time.Minute),
			backoff.EqualJitter(time.Second, time.Minute),
			backoff.EqualJitterGrowth(time.Second, time.Minute, 1.5),
			backoff.DecorrelatedJitter(time.Second, time.Minute),
			backoff.Cap(time.Second, backoff.Floor(time.Millisecond, backoff.Jitter(0.5, backoff.Constant(time.Second)))),
		}
	}
	a, b := build(), build()
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("%v != %v; want equal", a[i], b[i])
		}
	}
	if backoff.FullJitter(time.Second, time.Minute) == backoff.EqualJitter(time.Second, time.Minute) {
		t.Errorf("FullJitter == EqualJitter with the same parameters; want different")
	}
}

// Validate allocates nothing for a strategy it accepts, so that a call of
// retry.Do that passes a strategy of its own, checked on every call, keeps
// its options on its stack. It allocated once per strategy and decorator.
func TestValidateAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, tt := range strategies {
		s := backoff.Floor(1, backoff.Cap(time.Hour, backoff.Jitter(0.5, tt.s)))
		if got := testing.AllocsPerRun(100, func() { backoff.Validate(s) }); got != 0 {
			t.Errorf("Validate(%v): %v allocs; want 0", s, got)
		}
	}
}
