package bench

import (
	"context"
	"time"

	retrygo4 "github.com/avast/retry-go/v4"
	retrygo5 "github.com/avast/retry-go/v5"
)

// avast/retry-go retries every error but an Unrecoverable one. It takes its
// context as an option, not per call: the benchmarks' context is
// context.Background(), its default, so the bundles leave it out, and only
// the timed reports, whose contexts are cancelled, pass Context(ctx). It has
// no option for a name or an overall time limit: its bundle is attempts,
// a fixed delay (FixedDelay, no jitter) of zero, and LastErrorOnly, which
// returns the last error as reflexio does instead of a list of all of them.
// v4 applies its options on every call; v5 applies them once, in New, to a
// Retrier that serves every call and goroutine.

var retryGoV4Opts = []retrygo4.Option{
	retrygo4.Attempts(5),
	retrygo4.Delay(0),
	retrygo4.DelayType(retrygo4.FixedDelay),
	retrygo4.LastErrorOnly(true),
}

var retryGoV4 = lib[bareOp]{
	name:  "avast4",
	ok:    okBare,
	flaky: func() bareOp { return failTwiceBare(errBench) },
	success: func(_ context.Context, op bareOp) (int, error) {
		return retrygo4.DoWithData(op)
	},
	bundle: func(_ context.Context, op bareOp) (int, error) {
		return retrygo4.DoWithData(op, retryGoV4Opts...)
	},
	inline: func(_ context.Context, op bareOp) (int, error) {
		return retrygo4.DoWithData(op,
			retrygo4.Attempts(5),
			retrygo4.Delay(0),
			retrygo4.DelayType(retrygo4.FixedDelay),
			retrygo4.LastErrorOnly(true),
		)
	},
	observed: func(events *int) func(context.Context, bareOp) (int, error) {
		opts := append(retryGoV4Opts[:len(retryGoV4Opts):len(retryGoV4Opts)],
			retrygo4.OnRetry(func(uint, error) { *events++ }))
		return func(_ context.Context, op bareOp) (int, error) {
			return retrygo4.DoWithData(op, opts...)
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
	retryGoV5Default = retrygo5.NewWithData[int]()
	retryGoV5Opts    = []retrygo5.Option{
		retrygo5.Attempts(5),
		retrygo5.Delay(0),
		retrygo5.DelayType(retrygo5.FixedDelay),
		retrygo5.LastErrorOnly(true),
	}
	retryGoV5Retrier = retrygo5.NewWithData[int](retryGoV5Opts...)
)

var retryGoV5 = lib[bareOp]{
	name:  "avast5",
	ok:    okBare,
	flaky: func() bareOp { return failTwiceBare(errBench) },
	success: func(_ context.Context, op bareOp) (int, error) {
		return retryGoV5Default.Do(op)
	},
	bundle: func(_ context.Context, op bareOp) (int, error) {
		return retryGoV5Retrier.Do(op)
	},
	inline: func(_ context.Context, op bareOp) (int, error) {
		return retrygo5.NewWithData[int](
			retrygo5.Attempts(5),
			retrygo5.Delay(0),
			retrygo5.DelayType(retrygo5.FixedDelay),
			retrygo5.LastErrorOnly(true),
		).Do(op)
	},
	observed: func(events *int) func(context.Context, bareOp) (int, error) {
		r := retrygo5.NewWithData[int](append(retryGoV5Opts[:len(retryGoV5Opts):len(retryGoV5Opts)],
			retrygo5.OnRetry(func(uint, error) { *events++ }))...)
		return func(_ context.Context, op bareOp) (int, error) {
			return r.Do(op)
		}
	},
	adapt: bareAdapt,
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
