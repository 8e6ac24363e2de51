package bench

import (
	"context"
	"time"

	goretry "github.com/sethvargo/go-retry"
)

// sethvargo/go-retry retries only the errors wrapped by RetryableError, and
// takes the context per call. Its decorators WithMaxRetries and
// WithMaxDuration keep state (a count; the time the chain was made), so a
// chain cannot be shared: every call builds its own, in every scenario, and
// Reused shares only what keeps no state, the zero delay. NewConstant
// panics at zero, so the zero delay is a BackoffFunc of its own. It has no
// events: the observed scenario counts the backoff's Next calls, one per
// retry, through a decorator.

var (
	goRetryTransient = goretry.RetryableError(errBench)
	goRetryZero      = goretry.BackoffFunc(func() (time.Duration, bool) { return 0, false })
)

// goRetryPolicy returns the chain of the policy: at most 4 retries, 5
// attempts, with no delay.
func goRetryPolicy() goretry.Backoff {
	return goretry.WithMaxRetries(4, goRetryZero)
}

// goRetryBundle returns goRetryPolicy's chain within a minute.
func goRetryBundle() goretry.Backoff {
	return goretry.WithMaxDuration(time.Minute, goRetryPolicy())
}

var goRetry = lib[ctxOp]{
	name:  "sethvargo",
	ok:    okCtx,
	flaky: func() ctxOp { return failTwiceCtx(goRetryTransient) },
	inline: func(ctx context.Context, op ctxOp) (int, error) {
		return goretry.DoValue(ctx, goretry.WithMaxRetries(4, goRetryZero), op)
	},
	reused: func(ctx context.Context, op ctxOp) (int, error) {
		return goretry.DoValue(ctx, goRetryPolicy(), op)
	},
	bundle: func(ctx context.Context, op ctxOp) (int, error) {
		return goretry.DoValue(ctx, goRetryBundle(), op)
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
	limit: true,
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
