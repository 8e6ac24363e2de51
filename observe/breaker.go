package observe

import (
	"strconv"
	"time"
)

// A BreakerState is the state of a circuit breaker (package
// retry/breaker): closed, it lets every attempt through and counts their
// failures; open, it refuses attempts until its break ends; half-open, it
// lets a few probes through to learn whether the downstream is back.
//
// The zero value is BreakerClosed.
type BreakerState uint8

// The states of a breaker.
const (
	BreakerClosed BreakerState = iota
	BreakerOpen
	BreakerHalfOpen

	numBreakerStates = int(BreakerHalfOpen) + 1
)

var breakerStateNames = [numBreakerStates]string{
	BreakerClosed:   "closed",
	BreakerOpen:     "open",
	BreakerHalfOpen: "half_open",
}

// String returns the state's label: "closed", "open" or "half_open", or
// "BreakerState(7)" for a value that is not one of the constants.
func (s BreakerState) String() string {
	if int(s) < numBreakerStates {
		return breakerStateNames[s]
	}
	return "BreakerState(" + strconv.Itoa(int(s)) + ")"
}

// A BreakerReason says why a breaker changed state.
//
// The zero value is not a reason.
type BreakerReason uint8

// The reasons for a breaker's change of state.
const (
	// BreakerFailureRatio: the share of failures among the calls of the
	// breaker's window reached its limit (closed to open).
	BreakerFailureRatio BreakerReason = iota + 1

	// BreakerConsecutiveFailures: enough failures in a row, with no
	// success between them (closed to open).
	BreakerConsecutiveFailures

	// BreakerRetryAfter: a RateLimit failure came with the server's hint
	// of how long to wait; the breaker stays open for that long (closed or
	// half-open to open).
	BreakerRetryAfter

	// BreakerBreakElapsed: the break ended and the breaker admits probes
	// (open to half-open).
	BreakerBreakElapsed

	// BreakerProbeFailed: a probe failed (half-open to open).
	BreakerProbeFailed

	// BreakerProbesSucceeded: enough probes succeeded (half-open to
	// closed).
	BreakerProbesSucceeded

	numBreakerReasons = int(BreakerProbesSucceeded) + 1
)

var breakerReasonNames = [numBreakerReasons]string{
	BreakerFailureRatio:        "failure_ratio",
	BreakerConsecutiveFailures: "consecutive_failures",
	BreakerRetryAfter:          "retry_after",
	BreakerBreakElapsed:        "break_elapsed",
	BreakerProbeFailed:         "probe_failed",
	BreakerProbesSucceeded:     "probes_succeeded",
}

// String returns the reason's label in snake case, such as
// "failure_ratio", or "BreakerReason(9)" for a value that is not one of
// the constants.
func (r BreakerReason) String() string {
	if r > 0 && int(r) < numBreakerReasons {
		return breakerReasonNames[r]
	}
	return "BreakerReason(" + strconv.Itoa(int(r)) + ")"
}

// BreakerStateChange is sent by a circuit breaker (package retry/breaker)
// to the subscribers of its configuration when it changes state, on the
// goroutine whose Allow or outcome caused the change. It tells of a
// downstream, not of a call: InfoOf returns the zero Info for it.
type BreakerStateChange struct {
	Breaker  string // the breaker's name, the downstream it guards
	From, To BreakerState
	Reason   BreakerReason
	// Until is when the breaker, now open, admits its next probe, and
	// Break how long it stays open from the change: zero unless To is
	// BreakerOpen.
	Until time.Time
	Break time.Duration
	// Failures and Calls are the counted failures and the calls of the
	// window when a closed breaker opened (for BreakerFailureRatio and
	// BreakerConsecutiveFailures, Calls estimated, see package
	// retry/breaker); zero otherwise.
	Failures, Calls int
}

// Kind returns KindBreakerStateChange.
func (BreakerStateChange) Kind() Kind { return KindBreakerStateChange }

// A BreakerStateChange belongs to no call: it has nothing in common with
// the events of one.
func (e BreakerStateChange) info() Info { return Info{} }

// BreakerRejected is sent when an open circuit breaker refused an attempt
// of a call: the attempt was not made, did not reach the downstream and
// counts as none. Attempt is the number of attempts the call made before;
// the refused one would have been Attempt+1. Until is when the breaker
// admits its next probe, Wait how long that is from the refusal.
type BreakerRejected struct {
	Operation string
	Attempt   int
	Breaker   string // the breaker's name, the downstream it guards
	Until     time.Time
	Wait      time.Duration
	Elapsed   time.Duration
}

// Kind returns KindBreakerRejected.
func (BreakerRejected) Kind() Kind { return KindBreakerRejected }

func (e BreakerRejected) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed, Delay: e.Wait}
}
