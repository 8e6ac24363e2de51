package retry

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// The reasons a call gives up, one sentinel each. Every error that Do returns
// after calling the operation at least once, or because the context was done
// before it could, is an *Error whose Reason is one of these; test for them
// with errors.Is:
//
//	if errors.Is(err, retry.ErrMaxAttempts) { … }
var (
	// ErrPermanent: the last attempt failed with a Permanent error.
	ErrPermanent = errors.New("retry: permanent error")

	// ErrMaxAttempts: the attempt cap of MaxAttempts was reached.
	ErrMaxAttempts = errors.New("retry: max attempts reached")

	// ErrMaxUnknownAttempts: the cap of MaxUnknownAttempts on Unknown
	// failures was reached.
	ErrMaxUnknownAttempts = errors.New("retry: max unknown attempts reached")

	// ErrMaxClassAttempts: the cap that MaxAttemptsFor set on the last
	// failure's class was reached.
	ErrMaxClassAttempts = errors.New("retry: max attempts for class reached")

	// ErrDeadline: time ran out. The time of Deadline or MaxRetryTime, or
	// the context's deadline, passed, or the next wait would not have
	// ended before it. errors.Is also matches it with
	// context.DeadlineExceeded.
	ErrDeadline error = deadlineError{}

	// ErrCancelled: the context was cancelled.
	ErrCancelled = errors.New("retry: cancelled")

	// ErrBudgetExhausted: the Budget the call shares refused the retry it
	// would have made. The client ended the call, not the server.
	ErrBudgetExhausted = errors.New("retry: retry budget exhausted (client-side)")

	// ErrBreakerOpen: the call's Breaker refused the next attempt, and
	// would not admit one before the deadline. The *Error's Cause is the
	// breaker's refusal, which matches breaker.ErrOpen.
	ErrBreakerOpen = errors.New("retry: circuit breaker open")

	// ErrInvalidOption: an option was given a value it cannot take, or an
	// argument of Do was nil. The operation was not called. The error's text
	// names the option and the value.
	ErrInvalidOption = errors.New("retry: invalid option")
)

type deadlineError struct{}

// deadlineCause is the cause of the end of a call's context at the time
// that Deadline set: it matches context.DeadlineExceeded, and names the
// option.
type deadlineCause time.Duration

func (d deadlineCause) Error() string {
	return "retry: Deadline(" + time.Duration(d).String() + ") passed"
}

func (deadlineCause) Is(target error) bool { return target == context.DeadlineExceeded }

func (deadlineError) Error() string { return "retry: deadline exceeded" }

// Is makes errors.Is(ErrDeadline, context.DeadlineExceeded) hold, so that
// code that checks for a deadline in the usual way sees this one too.
func (deadlineError) Is(target error) bool { return target == context.DeadlineExceeded }

// Error is the error Do returns when it gives up. It keeps why the call
// stopped and everything the last attempt said, so that nothing is lost:
// errors.Is and errors.As see the Reason, the Cause and the Last error.
//
//	var apiErr *APIError
//	switch {
//	case errors.As(err, &apiErr): // the operation's own error, from the last attempt
//	case errors.Is(err, retry.ErrMaxAttempts):
//	}
//
// errors.Is looks into all three: errors.Is(err, context.DeadlineExceeded)
// holds when the last attempt timed out as well as when the call ran out of
// time, and the sentinels of an inner retry.Do nested in the operation show
// through too. To read why this call stopped and nothing else, take the
// Reason of the *Error that errors.As finds first.
//
// The zero Error, which Do never returns, prints as "retry: gave up before
// the first attempt" and unwraps to nothing.
type Error struct {
	// Reason is why the call stopped: ErrPermanent, ErrMaxAttempts,
	// ErrMaxUnknownAttempts, ErrMaxClassAttempts, ErrDeadline,
	// ErrBudgetExhausted, ErrBreakerOpen or ErrCancelled.
	Reason error

	// Attempts is the number of times the operation was called; 0 when the
	// context was done before the first attempt.
	Attempts int

	// Last is the error of the last attempt, as the operation returned it
	// with any classify marker around it removed; nil when no attempt ran.
	Last error

	// Class is the class of Last.
	Class classify.Class

	// Cause is context.Cause of the caller's context when the call stopped
	// because the context was done; or, when the time of Deadline passed,
	// an error that names the option and matches context.DeadlineExceeded;
	// or, for ErrBreakerOpen, the Breaker's refusal (a
	// *breaker.OpenError); nil otherwise.
	Cause error
}

// Error describes the reason, the attempts and the last error, such as
//
//	retry: max attempts reached after 5 attempts: connection refused
func (e *Error) Error() string {
	var b strings.Builder
	if e.Reason == nil {
		b.WriteString("retry: gave up") // an Error not made by this package
	} else {
		b.WriteString(e.Reason.Error())
	}
	switch e.Attempts {
	case 0:
		b.WriteString(" before the first attempt")
	case 1:
		b.WriteString(" after 1 attempt")
	default:
		b.WriteString(" after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts")
	}
	switch {
	case e.Cause != nil && e.Last != nil:
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
		b.WriteString("; last error: ")
		b.WriteString(e.Last.Error())
	case e.Cause != nil:
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	case e.Last != nil:
		b.WriteString(": ")
		b.WriteString(e.Last.Error())
	}
	return b.String()
}

// RetryClass returns classify.Permanent: an *Error is a call that a retry
// loop already gave up on, so that classify.Default stops an outer loop that
// meets it instead of retrying the retries. Nested layers of n attempts each
// thus cost n calls at the bottom, not n to the power of the layers. A
// classifier that says otherwise, such as
//
//	retry.Classifier(classify.Chain(classify.As[*retry.Error](classify.Transient), classify.Default()))
//
// retries an inner loop's failure only when that loop did not retry itself
// (it made one attempt): one that retried and gave up has told the loop
// around it so through the attempt's context, which makes the attempt
// Permanent whatever its error (see the package documentation). An inner
// loop run on a context of its own, rather than the attempt's, tells
// nothing.
func (e *Error) RetryClass() classify.Class { return classify.Permanent }

// Unwrap returns the Reason, the Cause and the Last error, leaving out the
// nil ones, so that errors.Is and errors.As look into each.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 3)
	for _, err := range [...]error{e.Reason, e.Cause, e.Last} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// optionError is the error of an invalid option.
type optionError struct {
	option string // as the option prints itself; "" if there is none to name
	reason string
	err    error // what a strategy's Validate said, if that is the reason
}

func (e *optionError) Error() string {
	reason := e.reason
	if e.err != nil {
		reason = e.err.Error()
	}
	if e.option == "" {
		return "retry: " + reason
	}
	return "retry: " + e.option + ": " + reason
}

func (e *optionError) Is(target error) bool { return target == ErrInvalidOption }

func (e *optionError) Unwrap() error { return e.err }
