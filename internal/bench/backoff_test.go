package bench

import (
	"context"
	"time"

	backoff5 "github.com/cenkalti/backoff/v5"
	backoff7 "github.com/cenkalti/backoff/v7"
)

// cenkalti/backoff retries every error but a Permanent one, and has no
// options for a name or a cap per kind of error: its bundle is a slice of
// the three options it has of reflexio's five. ZeroBackOff keeps no state,
// so one serves every call and goroutine.

var backoffV5Opts = []backoff5.RetryOption{
	backoff5.WithBackOff(&backoff5.ZeroBackOff{}),
	backoff5.WithMaxTries(5),
	backoff5.WithMaxElapsedTime(time.Minute),
}

var backoffV5 = lib[bareOp]{
	name:  "backoff5",
	ok:    okBare,
	flaky: func() bareOp { return failTwiceBare(errBench) },
	success: func(ctx context.Context, op bareOp) (int, error) {
		return backoff5.Retry(ctx, op)
	},
	bundle: func(ctx context.Context, op bareOp) (int, error) {
		return backoff5.Retry(ctx, op, backoffV5Opts...)
	},
	inline: func(ctx context.Context, op bareOp) (int, error) {
		return backoff5.Retry(ctx, op,
			backoff5.WithBackOff(&backoff5.ZeroBackOff{}),
			backoff5.WithMaxTries(5),
			backoff5.WithMaxElapsedTime(time.Minute),
		)
	},
	observed: func(events *int) func(context.Context, bareOp) (int, error) {
		opts := append(backoffV5Opts[:len(backoffV5Opts):len(backoffV5Opts)],
			backoff5.WithNotify(func(error, time.Duration) { *events++ }))
		return func(ctx context.Context, op bareOp) (int, error) {
			return backoff5.Retry(ctx, op, opts...)
		}
	},
	adapt: bareAdapt,
	timed: func(ctx context.Context, attempts int, delay time.Duration, op bareOp) (int, error) {
		return backoff5.Retry(ctx, op,
			backoff5.WithBackOff(backoff5.NewConstantBackOff(delay)),
			backoff5.WithMaxTries(uint(attempts)),
		)
	},
}

var backoffV7Opts = []backoff7.RetryOption{
	backoff7.WithBackOff(&backoff7.ZeroBackOff{}),
	backoff7.WithMaxTries(5),
	backoff7.WithMaxElapsedTime(time.Minute),
}

var backoffV7 = lib[bareOp]{
	name:  "backoff7",
	ok:    okBare,
	flaky: func() bareOp { return failTwiceBare(errBench) },
	success: func(ctx context.Context, op bareOp) (int, error) {
		return backoff7.Retry(ctx, op)
	},
	bundle: func(ctx context.Context, op bareOp) (int, error) {
		return backoff7.Retry(ctx, op, backoffV7Opts...)
	},
	inline: func(ctx context.Context, op bareOp) (int, error) {
		return backoff7.Retry(ctx, op,
			backoff7.WithBackOff(&backoff7.ZeroBackOff{}),
			backoff7.WithMaxTries(5),
			backoff7.WithMaxElapsedTime(time.Minute),
		)
	},
	observed: func(events *int) func(context.Context, bareOp) (int, error) {
		opts := append(backoffV7Opts[:len(backoffV7Opts):len(backoffV7Opts)],
			backoff7.WithNotify(func(error, time.Duration) { *events++ }))
		return func(ctx context.Context, op bareOp) (int, error) {
			return backoff7.Retry(ctx, op, opts...)
		}
	},
	adapt: bareAdapt,
	timed: func(ctx context.Context, attempts int, delay time.Duration, op bareOp) (int, error) {
		return backoff7.Retry(ctx, op,
			backoff7.WithBackOff(backoff7.NewConstantBackOff(delay)),
			backoff7.WithMaxTries(uint(attempts)),
		)
	},
}
