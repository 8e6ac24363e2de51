package bench

import (
	"context"
	"time"

	retrygo4 "github.com/avast/retry-go/v4"
	retrygo5 "github.com/avast/retry-go/v5"
)

// avast/retry-go retries every error but an Unrecoverable one. It has no
// option for a name or an overall time limit, so its Bundle scenarios are
// its Reused ones. The policy is attempts, a fixed delay (FixedDelay, no
// jitter) of zero, and LastErrorOnly, which returns the last error as
// reflexio does instead of a list of all of them.
//
// v4 applies its options on every call, the context among them: what a
// caller can build once is the slice of options, and a call with a context
// of its own passes it as one more option, in a new slice. v5 applies them
// once, in New, to a Retrier that serves every call and goroutine and binds
// the context given to New: its Reused form runs with the default,
// context.Background(), whatever the call's; a call with a context of its
// own builds a Retrier, as its inline form does.

var retryGoV4Policy = []retrygo4.Option{
	retrygo4.Attempts(5),
	retrygo4.Delay(0),
	retrygo4.DelayType(retrygo4.FixedDelay),
	retrygo4.LastErrorOnly(true),
}

// retryGoV4Do calls op with opts, built once, and ctx.
func retryGoV4Do(ctx context.Context, op bareOp, opts []retrygo4.Option) (int, error) {
	return retrygo4.DoWithData(op, append(opts[:len(opts):len(opts)], retrygo4.Context(ctx))...)
}

var retryGoV4 = lib[bareOp]{
	name:  "avast4",
	ok:    okBare,
	flaky: func() bareOp { return failTwiceBare(errBench) },
	inline: func(ctx context.Context, op bareOp) (int, error) {
		return retrygo4.DoWithData(op,
			retrygo4.Context(ctx),
			retrygo4.Attempts(5),
			retrygo4.Delay(0),
			retrygo4.DelayType(retrygo4.FixedDelay),
			retrygo4.LastErrorOnly(true),
		)
	},
	reused: func(ctx context.Context, op bareOp) (int, error) {
		return retryGoV4Do(ctx, op, retryGoV4Policy)
	},
	bundle: func(ctx context.Context, op bareOp) (int, error) {
		return retryGoV4Do(ctx, op, retryGoV4Policy)
	},
	observed: func(events *int) func(context.Context, bareOp) (int, error) {
		opts := append(retryGoV4Policy[:len(retryGoV4Policy):len(retryGoV4Policy)],
			retrygo4.OnRetry(func(uint, error) { *events++ }))
		return func(ctx context.Context, op bareOp) (int, error) {
			return retryGoV4Do(ctx, op, opts)
		}
	},
	adapt: bareAdapt,
	timed: func(ctx context.Context, attempts int, delay time.Duration, op bareOp) (int, error) {
		return retrygo4.DoWithData(op,
			retrygo4.Context(ctx),
			retrygo4.Attempts(uint(attempts)),
			retrygo4.Delay(delay),
			retrygo4.DelayType(retrygo4.FixedDelay),
			retrygo4.LastErrorOnly(true),
		)
	},
}

var (
	retryGoV5Policy = []retrygo5.Option{
		retrygo5.Attempts(5),
		retrygo5.Delay(0),
		retrygo5.DelayType(retrygo5.FixedDelay),
		retrygo5.LastErrorOnly(true),
	}
	retryGoV5Retrier = retrygo5.NewWithData[int](retryGoV5Policy...)
)

var retryGoV5 = lib[bareOp]{
	name:  "avast5",
	ok:    okBare,
	flaky: func() bareOp { return failTwiceBare(errBench) },
	inline: func(ctx context.Context, op bareOp) (int, error) {
		return retrygo5.NewWithData[int](
			retrygo5.Context(ctx),
			retrygo5.Attempts(5),
			retrygo5.Delay(0),
			retrygo5.DelayType(retrygo5.FixedDelay),
			retrygo5.LastErrorOnly(true),
		).Do(op)
	},
	reused: func(_ context.Context, op bareOp) (int, error) {
		return retryGoV5Retrier.Do(op)
	},
	bundle: func(_ context.Context, op bareOp) (int, error) {
		return retryGoV5Retrier.Do(op)
	},
	observed: func(events *int) func(context.Context, bareOp) (int, error) {
		r := retrygo5.NewWithData[int](append(retryGoV5Policy[:len(retryGoV5Policy):len(retryGoV5Policy)],
			retrygo5.OnRetry(func(uint, error) { *events++ }))...)
		return func(_ context.Context, op bareOp) (int, error) {
			return r.Do(op)
		}
	},
	sharedCtx: true,
	adapt:     bareAdapt,
	timed: func(ctx context.Context, attempts int, delay time.Duration, op bareOp) (int, error) {
		return retrygo5.NewWithData[int](
			retrygo5.Context(ctx),
			retrygo5.Attempts(uint(attempts)),
			retrygo5.Delay(delay),
			retrygo5.DelayType(retrygo5.FixedDelay),
			retrygo5.LastErrorOnly(true),
		).Do(op)
	},
}
