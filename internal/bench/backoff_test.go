package bench

import (
	"context"
	"time"

	backoff5 "github.com/cenkalti/backoff/v5"
	backoff7 "github.com/cenkalti/backoff/v7"
)

// cenkalti/backoff retries every error but a Permanent one, and has no
// options for a name or a cap per kind of error. It takes the context per
// call. Its options are functions that Retry applies, on every call, to a
// configuration it allocates with its defaults (an exponential backoff with
// jitter, a timer and a 15-minute MaxElapsedTime): what a caller can build
// once is the slice of options, which Reused passes with "...".
// WithMaxElapsedTime(0) lifts the default limit where a scenario has none.
// ZeroBackOff keeps no state, so one serves every call and goroutine.

var (
	backoffV5Policy = []backoff5.RetryOption{
		backoff5.WithBackOff(&backoff5.ZeroBackOff{}),
		backoff5.WithMaxTries(5),
		backoff5.WithMaxElapsedTime(0),
	}
	backoffV5Bundle = []backoff5.RetryOption{
		backoff5.WithBackOff(&backoff5.ZeroBackOff{}),
		backoff5.WithMaxTries(5),
		backoff5.WithMaxElapsedTime(time.Minute),
	}
)

var backoffV5 = lib[bareOp]{
	name:  "backoff5",
	ok:    okBare,
	flaky: func() bareOp { return failTwiceBare(errBench) },
	inline: func(ctx context.Context, op bareOp) (int, error) {
		return backoff5.Retry(ctx, op,
			backoff5.WithBackOff(&backoff5.ZeroBackOff{}),
			backoff5.WithMaxTries(5),
			backoff5.WithMaxElapsedTime(0),
		)
	},
	reused: func(ctx context.Context, op bareOp) (int, error) {
		return backoff5.Retry(ctx, op, backoffV5Policy...)
	},
	bundle: func(ctx context.Context, op bareOp) (int, error) {
		return backoff5.Retry(ctx, op, backoffV5Bundle...)
	},
	observed: func(events *int) func(context.Context, bareOp) (int, error) {
		opts := append(backoffV5Policy[:len(backoffV5Policy):len(backoffV5Policy)],
			backoff5.WithNotify(func(error, time.Duration) { *events++ }))
		return func(ctx context.Context, op bareOp) (int, error) {
			return backoff5.Retry(ctx, op, opts...)
		}
	},
	limit: true,
	adapt: bareAdapt,
	timed: func(ctx context.Context, attempts int, delay time.Duration, op bareOp) (int, error) {
		return backoff5.Retry(ctx, op,
			backoff5.WithBackOff(backoff5.NewConstantBackOff(delay)),
			backoff5.WithMaxTries(uint(attempts)),
		)
	},
}

var (
	backoffV7Policy = []backoff7.RetryOption{
		backoff7.WithBackOff(&backoff7.ZeroBackOff{}),
		backoff7.WithMaxTries(5),
		backoff7.WithMaxElapsedTime(0),
	}
	backoffV7Bundle = []backoff7.RetryOption{
		backoff7.WithBackOff(&backoff7.ZeroBackOff{}),
		backoff7.WithMaxTries(5),
		backoff7.WithMaxElapsedTime(time.Minute),
	}
)

var backoffV7 = lib[bareOp]{
	name:  "backoff7",
	ok:    okBare,
	flaky: func() bareOp { return failTwiceBare(errBench) },
	inline: func(ctx context.Context, op bareOp) (int, error) {
		return backoff7.Retry(ctx, op,
			backoff7.WithBackOff(&backoff7.ZeroBackOff{}),
			backoff7.WithMaxTries(5),
			backoff7.WithMaxElapsedTime(0),
		)
	},
	reused: func(ctx context.Context, op bareOp) (int, error) {
		return backoff7.Retry(ctx, op, backoffV7Policy...)
	},
	bundle: func(ctx context.Context, op bareOp) (int, error) {
		return backoff7.Retry(ctx, op, backoffV7Bundle...)
	},
	observed: func(events *int) func(context.Context, bareOp) (int, error) {
		opts := append(backoffV7Policy[:len(backoffV7Policy):len(backoffV7Policy)],
			backoff7.WithNotify(func(error, time.Duration) { *events++ }))
		return func(ctx context.Context, op bareOp) (int, error) {
			return backoff7.Retry(ctx, op, opts...)
		}
	},
	limit: true,
	adapt: bareAdapt,
	timed: func(ctx context.Context, attempts int, delay time.Duration, op bareOp) (int, error) {
		return backoff7.Retry(ctx, op,
			backoff7.WithBackOff(backoff7.NewConstantBackOff(delay)),
			backoff7.WithMaxTries(uint(attempts)),
		)
	},
}
