package bench

import (
	"context"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

var (
	reflexioTransient = classify.MarkTransient(errBench)

	// reflexioBundle is the bundle of SuccessBundle, Retry3 and Parallel.
	// The peers have no retry budget, and a budget refuses the steady
	// retries of Retry3 by design: NoBudget states that this bundle has
	// none, whatever the default.
	reflexioBundle = retry.Options(
		retry.Name("bench"),
		retry.MaxAttempts(5),
		retry.MaxRetryTime(time.Minute),
		retry.Backoff(backoff.Constant(0)),
		retry.MaxUnknownAttempts(3),
		retry.NoBudget(),
	)
)

var reflexio = lib[ctxOp]{
	name:  "reflexio",
	ok:    okCtx,
	flaky: func() ctxOp { return failTwiceCtx(reflexioTransient) },
	success: func(ctx context.Context, op ctxOp) (int, error) {
		return retry.Do(ctx, op)
	},
	bundle: func(ctx context.Context, op ctxOp) (int, error) {
		return retry.Do(ctx, op, reflexioBundle)
	},
	inline: func(ctx context.Context, op ctxOp) (int, error) {
		return retry.Do(ctx, op,
			retry.Name("bench"),
			retry.MaxAttempts(5),
			retry.MaxRetryTime(time.Minute),
			retry.Backoff(backoff.Constant(0)),
			retry.MaxUnknownAttempts(3),
			retry.NoBudget(),
		)
	},
	observed: func(events *int) func(context.Context, ctxOp) (int, error) {
		observed := retry.Options(reflexioBundle, retry.Subscribe(observe.Func(func(observe.Event) { *events++ })))
		return func(ctx context.Context, op ctxOp) (int, error) {
			return retry.Do(ctx, op, observed)
		}
	},
	adapt: func(_ context.Context, op ctxOp) ctxOp {
		return func(ctx context.Context) (int, error) {
			v, err := op(ctx)
			return v, classify.MarkTransient(err)
		}
	},
	timed: func(ctx context.Context, attempts int, delay time.Duration, op ctxOp) (int, error) {
		return retry.Do(ctx, op, retry.MaxAttempts(attempts), retry.Backoff(backoff.Constant(delay)), retry.NoBudget())
	},
}
