package bench

import (
	"context"
	"time"

	goretry "github.com/sethvargo/go-retry"
)

// sethvargo/go-retry retries only the errors wrapped by RetryableError. Its
// decorators WithMaxRetries and WithMaxDuration keep state, so a bundle
// cannot be shared: every call builds its own chain, the bundle being the
// function that builds it. NewConstant panics at zero, so zero delay is a
// BackoffFunc of its own, which keeps no state and is shared. It has no
// events: the observed scenario counts the backoff's Next calls, one per
// retry, through a decorator.

var (
	goRetryTransient = goretry.RetryableError(errBench)
	goRetryZero      = goretry.BackoffFunc(func() (time.Duration, bool) { return 0, false })
)

// goRetryPolicy returns the chain of the bundle: at most 4 retries, 5
// attempts, with no delay, within a minute.
func goRetryPolicy() goretry.Backoff {
	return goretry.WithMaxDuration(time.Minute, goretry.WithMaxRetries(4, goRetryZero))
}

var goRetry = lib[ctxOp]{
	name:  "sethvargo",
	ok:    okCtx,
	flaky: func() ctxOp { return failTwiceCtx(goRetryTransient) },
	success: func(ctx context.Context, op ctxOp) (int, error) {
		return goretry.DoValue(ctx, goRetryZero, op)
	},
	bundle: func(ctx context.Context, op ctxOp) (int, error) {
		return goretry.DoValue(ctx, goRetryPolicy(), op)
	},
	inline: func(ctx context.Context, op ctxOp) (int, error) {
		return goretry.DoValue(ctx, goretry.WithMaxDuration(time.Minute, goretry.WithMaxRetries(4, goRetryZero)), op)
	},
	observed: func(events *int) func(context.Context, ctxOp) (int, error) {
		return func(ctx context.Context, op ctxOp) (int, error) {
			b := goRetryPolicy()
			return goretry.DoValue(ctx, goretry.BackoffFunc(func() (time.Duration, bool) {
				*events++
				return b.Next()
			}), op)
		}
	},
	adapt: func(_ context.Context, op ctxOp) ctxOp {
		return func(ctx context.Context) (int, error) {
			v, err := op(ctx)
			return v, goretry.RetryableError(err)
		}
	},
	timed: func(ctx context.Context, attempts int, delay time.Duration, op ctxOp) (int, error) {
		return goretry.DoValue(ctx, goretry.WithMaxRetries(uint64(attempts-1), goretry.NewConstant(delay)), op)
	},
}
