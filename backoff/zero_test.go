package backoff_test

import (
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
)

// The zero Input asks for the delay after a first failure, with no wait
// before it and a draw of 0: every strategy answers it as it answers
// Input{Attempt: 1}.
func TestZeroInput(t *testing.T) {
	strategies := []backoff.Strategy{
		backoff.Constant(time.Second),
		backoff.Exponential(time.Second, time.Minute),
		backoff.FullJitter(time.Second, time.Minute),
		backoff.EqualJitter(time.Second, time.Minute),
		backoff.EqualJitterGrowth(time.Second, time.Minute, 3),
		backoff.DecorrelatedJitter(time.Second, time.Minute),
		backoff.Cap(time.Minute, backoff.Exponential(time.Second, time.Hour)),
		backoff.Floor(time.Second, backoff.FullJitter(time.Second, time.Minute)),
		backoff.Jitter(0.5, backoff.Constant(time.Second)),
	}
	for _, s := range strategies {
		if got, want := s.Delay(backoff.Input{}), s.Delay(backoff.Input{Attempt: 1}); got != want {
			t.Errorf("%v.Delay(Input{}) = %v; want %v, as for Input{Attempt: 1}", s, got, want)
		}
	}
}

// A nil Strategy and a nil Func are reported, alone or decorated, and a nil
// Func prints itself.
func TestZeroStrategy(t *testing.T) {
	var nilStrategy backoff.Strategy
	var nilFunc backoff.Func
	for _, s := range []backoff.Strategy{nilStrategy, nilFunc, backoff.Cap(time.Second, nilStrategy), backoff.Jitter(0.1, nilFunc)} {
		if err := backoff.Validate(s); err == nil {
			t.Errorf("Validate(%#v) = nil; want an error", s)
		}
	}
	if got, want := nilFunc.String(), "backoff.Func(nil)"; got != want {
		t.Errorf("Func(nil).String() = %q; want %q", got, want)
	}
}
