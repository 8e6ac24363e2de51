package observe

import (
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// An Event is something the retry loop did: one of Success, Retry,
// PermanentFailure, MaxAttemptsExceeded, MaxUnknownAttemptsExceeded,
// MaxClassAttemptsExceeded, DeadlineExceeded, BudgetExhausted, Cancelled and
// BreakerRejected, HedgeStarted, HedgeWon and HedgeCancelled; or something a
// circuit breaker did: BreakerStateChange. The set is
// sealed: only this package defines events. Handle them with a type switch;
// event types may be added, so keep a default case.
//
// Every event carries the operation's name (set with retry.Name), the number
// of attempts made so far (the first call is attempt 1) and the time elapsed
// since the call began. Events that follow a failed attempt carry its class
// and error; events that involve a wait carry its delay.
//
// Events are plain values, sent as values (never as pointers): cheap to
// copy, safe to keep after Handle returns. Their Err fields are the
// operation's own errors, unwrapped from any classify marker.
type Event interface {
	// Kind returns the kind of the event, the same for every value of one
	// event type.
	Kind() Kind

	info() Info // seals the set of event types
}

// Info holds what events have in common, for code that handles every event
// alike, such as a logger or a metrics exporter: InfoOf reads it from any
// event, with no type switch, including event types added later. The zero
// Info is what InfoOf returns for a nil event.
type Info struct {
	Operation string
	Attempt   int
	Elapsed   time.Duration

	// Failed reports that the event follows a failed attempt, whose class
	// and error are Class and Err. It is false for Success, and for a call
	// that ended before its first attempt.
	Failed bool
	Class  classify.Class
	Err    error

	// Rejected reports that the attempt did not fail with an error but
	// returned a value that a result classifier (retry.ClassifyResult,
	// retry.Poll) rejected. Err is then an error that matches
	// retry.ErrRejected, and says no more: the value itself is not boxed
	// into the event.
	Rejected bool

	// Delay is the wait the event tells of (Retry, BudgetExhausted, a
	// DeadlineExceeded whose wait did not fit, and the Wait of a
	// BreakerRejected), zero for the others.
	Delay time.Duration

	// Cause is context.Cause of the caller's context, for the events of a
	// call that ended because the context was done, or the error that names
	// retry.Deadline when its time passed.
	Cause error
}

// InfoOf returns what e has in common with every event, or the zero Info
// if e is nil.
func InfoOf(e Event) Info {
	if e == nil {
		return Info{}
	}
	return e.info()
}

// Success is sent when an attempt succeeded; the call returns its value.
type Success struct {
	Operation string
	Attempt   int // the attempt that succeeded
	Elapsed   time.Duration
}

// Kind returns KindSuccess.
func (Success) Kind() Kind { return KindSuccess }

func (e Success) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed}
}

// Retry is sent when an attempt failed and another follows after Delay. No
// Retry is sent after the last attempt: every Retry is followed by another
// attempt, unless the context is done or the deadline passes before that
// attempt can start.
type Retry struct {
	Operation string
	Attempt   int // the attempt that failed
	Class     classify.Class
	Err       error
	Rejected  bool          // Err is a rejected result's: see Info.Rejected
	Delay     time.Duration // the wait before attempt Attempt+1
	// RetryAfter is the server's hint that came with Err, as the server
	// gave it (0: none); Delay is the wait it led to, capped by
	// retry.MaxRetryAfter and spread.
	RetryAfter time.Duration
	Elapsed    time.Duration
}

// Kind returns KindRetry.
func (Retry) Kind() Kind { return KindRetry }

func (e Retry) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed, Failed: true, Class: e.Class, Err: e.Err, Rejected: e.Rejected, Delay: e.Delay}
}

// PermanentFailure is sent when an attempt failed with a Permanent error;
// the call ends.
type PermanentFailure struct {
	Operation string
	Attempt   int
	Class     classify.Class // always classify.Permanent
	Err       error
	Rejected  bool // Err is a rejected result's: see Info.Rejected
	Elapsed   time.Duration
}

// Kind returns KindPermanentFailure.
func (PermanentFailure) Kind() Kind { return KindPermanentFailure }

func (e PermanentFailure) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed, Failed: true, Class: e.Class, Err: e.Err, Rejected: e.Rejected}
}

// MaxAttemptsExceeded is sent when the last attempt allowed by
// retry.MaxAttempts failed; the call ends.
type MaxAttemptsExceeded struct {
	Operation string
	Attempt   int
	Class     classify.Class
	Err       error
	Rejected  bool // Err is a rejected result's: see Info.Rejected
	Elapsed   time.Duration
}

// Kind returns KindMaxAttemptsExceeded.
func (MaxAttemptsExceeded) Kind() Kind { return KindMaxAttemptsExceeded }

func (e MaxAttemptsExceeded) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed, Failed: true, Class: e.Class, Err: e.Err, Rejected: e.Rejected}
}

// MaxUnknownAttemptsExceeded is sent when the last Unknown failure allowed by
// retry.MaxUnknownAttempts happened; the call ends.
type MaxUnknownAttemptsExceeded struct {
	Operation string
	Attempt   int
	Class     classify.Class // always classify.Unknown
	Err       error
	Rejected  bool // Err is a rejected result's: see Info.Rejected
	Elapsed   time.Duration
}

// Kind returns KindMaxUnknownAttemptsExceeded.
func (MaxUnknownAttemptsExceeded) Kind() Kind { return KindMaxUnknownAttemptsExceeded }

func (e MaxUnknownAttemptsExceeded) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed, Failed: true, Class: e.Class, Err: e.Err, Rejected: e.Rejected}
}

// MaxClassAttemptsExceeded is sent when the last failure of its class
// allowed by retry.MaxAttemptsFor happened; the call ends.
type MaxClassAttemptsExceeded struct {
	Operation string
	Attempt   int
	Class     classify.Class
	Err       error
	Rejected  bool // Err is a rejected result's: see Info.Rejected
	Elapsed   time.Duration
}

// Kind returns KindMaxClassAttemptsExceeded.
func (MaxClassAttemptsExceeded) Kind() Kind { return KindMaxClassAttemptsExceeded }

func (e MaxClassAttemptsExceeded) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed, Failed: true, Class: e.Class, Err: e.Err, Rejected: e.Rejected}
}

// DeadlineExceeded is sent when the call ran out of time. Either the
// deadline (of retry.Deadline, retry.MaxRetryTime or the context) has
// passed, or the next wait, Delay, would not end before it, in which case
// the call ends at once instead of sleeping into the deadline. Err is the last attempt's error;
// if no attempt ran, Attempt is 0, Err is nil and Class is Unknown. Cause is
// context.Cause of the context when it was the context's deadline that
// passed; an error that names retry.Deadline (and matches
// context.DeadlineExceeded) when it was the time of that option; nil when
// the next wait did not fit or the time of retry.MaxRetryTime passed.
type DeadlineExceeded struct {
	Operation string
	Attempt   int
	Class     classify.Class
	Err       error
	Rejected  bool          // Err is a rejected result's: see Info.Rejected
	Delay     time.Duration // the wait that did not fit; zero if none was planned
	Cause     error
	Elapsed   time.Duration
}

// Kind returns KindDeadlineExceeded.
func (DeadlineExceeded) Kind() Kind { return KindDeadlineExceeded }

// A DeadlineExceeded has no Err when no attempt ran: then there is no failure to
// tell of.
func (e DeadlineExceeded) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed, Failed: e.Err != nil, Class: e.Class, Err: e.Err, Rejected: e.Rejected, Delay: e.Delay, Cause: e.Cause}
}

// BudgetExhausted is sent when the retry budget that the call shares with
// others (a retry.Budget) refused the retry it would have made: the client
// side, not the server, ended the call, to keep the retries of everyone
// sharing the budget within its bound. Delay is the wait the refused retry
// would have had.
type BudgetExhausted struct {
	Operation string
	Attempt   int
	Class     classify.Class
	Err       error
	Rejected  bool // Err is a rejected result's: see Info.Rejected
	Delay     time.Duration
	Elapsed   time.Duration
}

// Kind returns KindBudgetExhausted.
func (BudgetExhausted) Kind() Kind { return KindBudgetExhausted }

func (e BudgetExhausted) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed, Failed: true, Class: e.Class, Err: e.Err, Rejected: e.Rejected, Delay: e.Delay}
}

// Cancelled is sent when the caller's context was done before the call
// could succeed. Cause is context.Cause of the context. Err is the last
// attempt's error; if no attempt ran, Attempt is 0, Err is nil and Class is
// Unknown.
type Cancelled struct {
	Operation string
	Attempt   int
	Class     classify.Class
	Err       error
	Rejected  bool // Err is a rejected result's: see Info.Rejected
	Cause     error
	Elapsed   time.Duration
}

// Kind returns KindCancelled.
func (Cancelled) Kind() Kind { return KindCancelled }

// A Cancelled has no Err when no attempt ran: then there is no failure to
// tell of.
func (e Cancelled) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed, Failed: e.Err != nil, Class: e.Class, Err: e.Err, Rejected: e.Rejected, Cause: e.Cause}
}
