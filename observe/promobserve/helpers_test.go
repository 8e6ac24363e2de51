package promobserve_test

import (
	"context"
	"errors"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

var (
	errReset    = errors.New("connection reset")
	errBad      = errors.New("bad request")
	errInternal = errors.New("internal error")
	errOdd      = errors.New("odd")
)

// failing returns an operation that returns errs, one per attempt, and then
// succeeds.
func failing(errs ...error) func(context.Context) error {
	n := 0
	return func(context.Context) error {
		if n < len(errs) {
			n++
			return errs[n-1]
		}
		return nil
	}
}

// script makes seven retry calls, one of each way a call can end but one
// (MaxClassAttemptsExceeded), each waiting one second before every retry.
// Run in a synctest bubble, every delay and elapsed time is exact. The
// events each call sends are in the comments, as (attempt, class, delay,
// elapsed).
func script(ctx context.Context, sub observe.Subscriber) {
	transient, internal := classify.MarkTransient(errReset), classify.MarkServerError(errInternal)
	opts := retry.Options(retry.Backoff(backoff.Constant(time.Second)), retry.Subscribe(sub))
	users, orders := retry.Options(opts, retry.Name("users.get")), retry.Options(opts, retry.Name("orders.list"))

	// Retry(1, Transient, 1s, 0), Retry(2, Transient, 1s, 1s), Success(3, 2s)
	_ = retry.Run(ctx, failing(transient, transient), users)
	// PermanentFailure(1, Permanent, 0)
	_ = retry.Run(ctx, failing(classify.MarkPermanent(errBad)), users)
	// Retry(1, ServerError, 1s, 0), MaxAttemptsExceeded(2, ServerError, 1s)
	_ = retry.Run(ctx, failing(internal, internal), orders, retry.MaxAttempts(2))
	// Retry(1, Transient, 1s, 0), BudgetExhausted(2, Transient, 1s, 1s):
	// the budget holds one retry and earns none.
	_ = retry.Run(ctx, failing(transient, transient), orders, retry.NewBudget(0, 1))
	// Cancelled(0, 0), before any attempt
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_ = retry.Run(cancelled, failing(), orders)
	// Retry(1, Transient, 1s, 0), DeadlineExceeded(2, Transient, 1s, 1s):
	// a second wait would end after the deadline.
	_ = retry.Run(ctx, failing(transient, transient), orders, retry.Deadline(1500*time.Millisecond))
	// Retry(1, Unknown, 1s, 0), MaxUnknownAttemptsExceeded(2, Unknown, 1s),
	// from a call without a name.
	_ = retry.Run(ctx, failing(errOdd, errOdd), opts)
}
