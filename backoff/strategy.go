package backoff

import (
	"fmt"
	"time"

	"github.com/reflexio-go/reflexio/internal/typednil"

	"github.com/reflexio-go/reflexio/classify"
)

// Input is what a Strategy knows when it picks a delay.
//
// The zero Input is the first failed attempt, of class Unknown, with no
// wait before it and a Random of 0: the strategies of this package answer
// it as they answer Input{Attempt: 1}.
type Input struct {
	// Attempt is the number of the attempt that just failed, counting the
	// first call as 1. The delay is the wait before attempt Attempt+1.
	// Strategies take an Attempt below 1 as 1.
	Attempt int

	// Class is the class of that attempt's error.
	Class classify.Class

	// Prev is the delay that was waited before the failed attempt, or 0 if
	// it was the first. Decorrelated jitter grows from it.
	Prev time.Duration

	// Random is a uniform draw from [0, 1), fresh for every delay. Jittered
	// strategies take their randomness from it and from nothing else, so a
	// Strategy is a pure function of its Input: the retry loop draws it from
	// a fast, concurrency-safe source, and a test or a simulation that sets
	// it gets exact, repeatable delays.
	//
	// The strategies of this package take a Random outside [0, 1) into it:
	// one at or above 1 (also +Inf) counts as the largest float64 below 1,
	// and a negative one or NaN as 0.
	Random float64
}

// A Strategy decides how long to wait before the next attempt.
//
// Delay must be safe for concurrent use and should not allocate. The
// strategies of this package are stateless values, safe to share across
// calls and goroutines; none needs a Reset.
//
// The retry loop never trusts a delay: a negative one is taken as zero, and
// every one is bounded by the loop's deadline. A zero delay retries at once
// and arms no timer.
//
// Strategies built by this package check their parameters in a method
// Validate() error, which retry.Backoff and retry.BackoffFor call so that a
// bad parameter fails the call with a clear error before any attempt.
// Strategies of your own may implement it too.
//
// The zero value, a nil Strategy, has no delay to give: Validate reports
// it, alone or inside a decorator such as Cap, so that retry.Backoff and
// retry.BackoffFor reject it.
type Strategy interface {
	Delay(in Input) time.Duration
}

// Func adapts an ordinary function to the Strategy interface, for a rule
// that the strategies here do not express, such as one that depends on
// Input.Class. Its delays are whatever the function returns: nothing
// bounds them, and the retry loop takes a negative one as zero. Wrap a Func
// in Cap to bound it. The function must be safe for concurrent use.
//
// The zero value, a nil Func, prints as "backoff.Func(nil)" and would panic
// if asked for a delay: Validate reports it, so that retry.Backoff and
// retry.BackoffFor reject it.
type Func func(in Input) time.Duration

var _ Strategy = Func(nil)

// Delay returns f(in).
func (f Func) Delay(in Input) time.Duration { return f(in) }

// String returns "backoff.Func", or "backoff.Func(nil)" if f is nil.
func (f Func) String() string {
	if f == nil {
		return "backoff.Func(nil)"
	}
	return "backoff.Func"
}

// Validate reports a nil function, whose Delay would panic.
func (f Func) Validate() error {
	if f == nil {
		return invalid(f, "function is nil")
	}
	return nil
}

// validator is the optional interface through which strategies report bad
// parameters.
type validator interface{ Validate() error }

// Validate returns the error that s reports about its own parameters (and,
// for a decorator, those of the strategy it wraps), or nil if s has nothing to
// report or does not check. It reports a nil s too, and a nil pointer or
// nil function held by s, such as a nil Func, whose Delay would panic, at
// any depth of decorators.
//
// The errors of this package's strategies name the strategy at fault as it
// prints itself, then the parameter and its value:
//
//	backoff.Exponential(-1s, 1m0s): base -1s must not be negative
//
// A decorator returns the error of the strategy it wraps unchanged.
//
// The Delay of a strategy that Validate reports may panic (a decorator of
// nil) or return a meaningless delay; retry.Backoff and retry.BackoffFor
// reject it before any attempt. Validate calls s's own Validate method, if
// it has one; a panic there is not recovered.
func Validate(s Strategy) error {
	switch s := s.(type) {
	case nil:
		return errNilStrategy
	// This package's own strategies, checked without reflection: retry.Do
	// validates a strategy passed to the call itself on every call.
	case Func:
		return s.Validate()
	case constant:
		return s.Validate()
	case exponential:
		return s.Validate()
	case fullJitter:
		return s.Validate()
	case equalJitter:
		return s.Validate()
	case decorrelatedJitter:
		return s.Validate()
	case capped:
		return s.Validate()
	case floored:
		return s.Validate()
	case jittered:
		return s.Validate()
	}
	if typednil.Is(s) {
		return fmt.Errorf("backoff: strategy is a nil %T", s)
	}
	if v, ok := s.(validator); ok {
		return v.Validate()
	}
	return nil
}
