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

	// reflexioPolicy is the policy of the Reused and Observed scenarios: the
	// peers' settings, and NoDeadline, which lifts the default limit of
	// MaxRetryTime as these scenarios have none. There is no budget
	// unless an option gives one.
	reflexioPolicy = retry.Options(
		retry.MaxAttempts(5),
		retry.Backoff(backoff.Constant(0)),
		retry.NoDeadline(),
	)

	// reflexioBundle is the bundle of the Bundle scenarios and Parallel: a
	// one-minute limit, MaxRetryTime, which like the peers' limits ends no
	// running attempt, and settings the peers have no equivalent of, as a
	// user's bundle would have them. NoBudget states that it has no budget,
	// which would refuse, by design, the steady retries of Retry3Bundle.
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
	inline: func(ctx context.Context, op ctxOp) (int, error) {
		return retry.Do(ctx, op,
			retry.MaxAttempts(5),
			retry.Backoff(backoff.Constant(0)),
			retry.NoDeadline(),
		)
	},
	reused: func(ctx context.Context, op ctxOp) (int, error) {
		return retry.Do(ctx, op, reflexioPolicy)
	},
	bundle: func(ctx context.Context, op ctxOp) (int, error) {
		return retry.Do(ctx, op, reflexioBundle)
	},
	observed: func(events *int) func(context.Context, ctxOp) (int, error) {
		observed := retry.Options(reflexioPolicy, retry.Subscribe(observe.Func(func(observe.Retry) { *events++ })))
		return func(ctx context.Context, op ctxOp) (int, error) {
			return retry.Do(ctx, op, observed)
		}
	},
	limit: true,
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
