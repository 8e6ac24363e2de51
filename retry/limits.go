package retry

import (
	"strconv"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// Counting: an attempt is one call of the operation, the first call
// included. A call with MaxAttempts(n) makes at most n attempts, so it
// retries at most n-1 times: n-1 retries are n attempts.

// MaxAttempts caps the number of attempts, the first included: the call
// gives up with ErrMaxAttempts when attempt n fails, without waiting. n must
// be at least 1; MaxAttempts(1) never retries. For no cap at all, pass
// math.MaxInt and bound the call with Deadline or the context.
//
// Default: 6.
func MaxAttempts(n int) Option { return maxAttempts(n) }

type maxAttempts int

func (o maxAttempts) String() string { return "MaxAttempts(" + strconv.Itoa(int(o)) + ")" }

func (o maxAttempts) apply(c *config) {
	if o < 1 {
		c.fail(o.String(), "must be at least 1")
		return
	}
	c.maxAttempts = int(o)
}

// MaxUnknownAttempts caps the number of attempts that may fail with an
// Unknown error: the call gives up with ErrMaxUnknownAttempts when the n-th
// Unknown failure happens. Exactly n Unknown failures are allowed, whether
// they are consecutive or not. n must be at least 1. It is the same setting
// as MaxAttemptsFor(classify.Unknown, n).
//
// Default: 2.
func MaxUnknownAttempts(n int) Option { return maxClassAttempts{classify.Unknown, n} }

// MaxAttemptsFor caps the number of attempts that may fail with class c: the
// call gives up with ErrMaxClassAttempts (ErrMaxUnknownAttempts for
// Unknown) when the n-th failure of that class happens, whatever the other
// classes did. The global cap of MaxAttempts still applies. n must be at
// least 1, and c must not be Permanent, which is never retried.
//
//	retry.MaxAttemptsFor(classify.Concurrency, 10) // conflicts resolve fast: try harder
//
// Default: no cap of its own for any class but Unknown (see MaxUnknownAttempts).
func MaxAttemptsFor(c classify.Class, n int) Option { return maxClassAttempts{c, n} }

type maxClassAttempts struct {
	class classify.Class
	n     int
}

func (o maxClassAttempts) String() string {
	if o.class == classify.Unknown {
		return "MaxUnknownAttempts(" + strconv.Itoa(o.n) + ")"
	}
	return "MaxAttemptsFor(classify." + o.class.String() + ", " + strconv.Itoa(o.n) + ")"
}

func (o maxClassAttempts) apply(c *config) {
	switch {
	case int(o.class) >= classify.NumClasses:
		c.fail(o.String(), "not a class")
	case o.class == classify.Permanent:
		c.fail(o.String(), "Permanent errors are never retried")
	case o.n < 1:
		c.fail(o.String(), "must be at least 1")
	default:
		c.classCaps[o.class] = o.n
	}
}

// Deadline bounds the whole call, waits and attempts included, to d from
// the moment Do is called, on top of the context's own deadline: the earlier
// of the two applies. The context that attempts get ends at the deadline, so
// that an operation that honours its context lets Do return by then; no
// attempt starts after it, and a wait that would not end before it is not
// started: the call gives up at once with ErrDeadline. Once the time of
// Deadline has passed, the error's Cause says so.
//
// Do never abandons a running attempt: an operation that ignores its
// context, or a subscriber that blocks, holds the call past the deadline.
// If the attempt then succeeds, Do returns its value: its effect happened.
//
// Deadline lifts the default MaxRetryTime, not one given explicitly. d must
// be positive.
//
// Default: none; the call is bounded by MaxRetryTime and the context.
func Deadline(d time.Duration) Option { return deadline(d) }

type deadline time.Duration

func (o deadline) String() string { return "Deadline(" + time.Duration(o).String() + ")" }

func (o deadline) apply(c *config) {
	if o <= 0 {
		c.fail(o.String(), "must be positive (NoDeadline lifts the deadline)")
		return
	}
	c.deadline = time.Duration(o)
	if !c.retryTimeSet {
		c.maxRetryTime = 0
	}
}

// MaxRetryTime bounds the time spent retrying to d from the first failure:
// no attempt starts after it, and a wait that would not end before it is not
// started: the call gives up at once with ErrDeadline. Unlike Deadline it
// never ends a running attempt, and a call that succeeds at once never
// reads the clock for it. d must be positive.
//
// Default: 60s, unless Deadline is given.
func MaxRetryTime(d time.Duration) Option { return maxRetryTime(d) }

type maxRetryTime time.Duration

func (o maxRetryTime) String() string { return "MaxRetryTime(" + time.Duration(o).String() + ")" }

func (o maxRetryTime) apply(c *config) {
	if o <= 0 {
		c.fail(o.String(), "must be positive (NoDeadline lifts it)")
		return
	}
	c.maxRetryTime, c.retryTimeSet = time.Duration(o), true
}

// NoDeadline lifts the limits of Deadline and MaxRetryTime, the default one
// included, leaving the call bounded by the context's deadline, if it has
// one, and by the attempt caps. An option after it may set either again.
//
// Default: no Deadline, and MaxRetryTime's default of 60s.
func NoDeadline() Option { return noDeadline{} }

type noDeadline struct{}

func (noDeadline) String() string { return "NoDeadline()" }

func (noDeadline) apply(c *config) { c.deadline, c.maxRetryTime, c.retryTimeSet = 0, 0, false }

// AttemptTimeout gives each attempt a context of its own that ends after d,
// or at the time of Deadline if that comes first, and is cancelled when the
// attempt ends. MaxRetryTime does not shorten it. An attempt that fails
// because its own timeout passed is Transient, whatever a classifier makes
// of its error, unless the error itself says Permanent (a classify marker
// or a RetryClass method of the operation's error, not an inner loop's
// *Error): an attempt that must not be repeated is not repeated for a
// timeout. The caller's own cancellation or deadline stops the loop
// instead. d must be positive.
//
// Default: none; each attempt gets the caller's context.
func AttemptTimeout(d time.Duration) Option { return attemptTimeout(d) }

type attemptTimeout time.Duration

func (o attemptTimeout) String() string {
	return "AttemptTimeout(" + time.Duration(o).String() + ")"
}

func (o attemptTimeout) apply(c *config) {
	if o <= 0 {
		c.fail(o.String(), "must be positive")
		return
	}
	c.attemptTimeout = time.Duration(o)
}
