package retry

import (
	"context"

	"github.com/reflexio-go/reflexio/classify"
)

// Do calls op until it succeeds or the call gives up, and returns op's
// value. Options say how: how many attempts, how long in all, how to
// classify errors, how long to wait between attempts, who is told. Without
// options Do uses the defaults each option documents.
//
// Each attempt gets a context derived from ctx, which ends at the call's
// Deadline and the attempt's AttemptTimeout, where those are set, and which
// tells the loop when a retry loop nested in the attempt gave up (retry at
// one layer: see the package documentation). Do never starts an attempt
// after ctx is done or the deadline has passed, never waits after the last
// attempt, and returns at once when ctx is done during a wait. It never
// abandons a running attempt: an op that ignores its context holds Do until
// it returns.
//
// On success Do returns op's value and a nil error. On failure it returns an
// *Error that says why it gave up and keeps the last attempt's error:
// errors.Is(err, ErrMaxAttempts) and errors.As(err, &yourErr) both work.
// The value it returns with an *Error is the last value that a result
// classifier (ClassifyResult, Poll) rejected during the call, even if
// attempts that failed with an error came after it (a poll whose last
// request the deadline cut short still returns the last answer it got);
// errors.Is(err, ErrRejected) tells whether the last attempt was that one.
// If no value was rejected it is the zero value of T, whatever op returned
// alongside its errors. An invalid option, a nil op or
// a nil ctx returns an error matching ErrInvalidOption and the zero value,
// without calling op.
//
// A panic in op is not recovered: it unwinds through Do, which releases its
// timer and contexts on the way.
func Do[T any](ctx context.Context, op func(context.Context) (T, error), opts ...Option) (T, error) {
	if op == nil {
		var zero T
		return zero, errNilOp("Do")
	}
	// What the loop, which is not generic, cannot keep for the call: one
	// variable, which the two closures share, on Do's stack.
	var c struct {
		judge    func(T) (classify.Class, bool) // the result classifier, if any
		v        T                              // the last attempt's value
		last     T                              // the last value rejected
		rejected bool                           // there is one
	}
	// The loop calls results before the first attempt, only if the options
	// have a result classifier: only calls that have one pay for looking
	// it up, and for asking it whether it suits T.
	results := func() (err error) {
		c.judge, err = resultOf[T](opts)
		return err
	}
	err := loop(ctx, opts, results, func(ctx context.Context) error {
		var err error
		c.v, err = op(ctx)
		if err != nil || c.judge == nil {
			return err
		}
		if class, reject := c.judge(c.v); reject {
			c.last, c.rejected = c.v, true
			return rejection(class)
		}
		return nil
	}, nil)
	switch {
	case err == nil:
		return c.v, nil
	case c.rejected:
		return c.last, err
	}
	var zero T
	return zero, err
}

// Run is Do for an operation that returns only an error.
func Run(ctx context.Context, op func(context.Context) error, opts ...Option) error {
	if op == nil {
		return errNilOp("Run")
	}
	return loop(ctx, opts, nil, op, nil)
}

func errNilOp(fn string) error {
	return &optionError{option: fn, reason: "operation is nil"}
}
