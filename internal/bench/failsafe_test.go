package bench

import (
	"context"
	"time"

	failsafego "github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
)

// failsafe-go retries every error by default, with no delay and no jitter
// unless asked. Its executors keep no state between calls and are safe for
// concurrent use, so the bundle is one Executor built once. Like retry-go it
// binds the context to the executor (WithContext copies it): the benchmarks
// use the default, context.Background(), and only the timed reports call
// WithContext. It has no option for a name or a cap per kind of error:
// the bundle is at most 5 attempts within a minute, returning the last
// failure as it is (ReturnLastFailure) rather than an ExceededError around
// it.

func failsafePolicy() retrypolicy.Builder[int] {
	return retrypolicy.NewBuilder[int]().
		WithMaxAttempts(5).
		WithMaxDuration(time.Minute).
		ReturnLastFailure()
}

var (
	failsafeDefault = failsafego.With(retrypolicy.NewWithDefaults[int]())
	failsafeBundle  = failsafego.With(failsafePolicy().Build())
)

var failsafe = lib[bareOp]{
	name:  "failsafe",
	ok:    okBare,
	flaky: func() bareOp { return failTwiceBare(errBench) },
	success: func(_ context.Context, op bareOp) (int, error) {
		return failsafeDefault.Get(op)
	},
	bundle: func(_ context.Context, op bareOp) (int, error) {
		return failsafeBundle.Get(op)
	},
	inline: func(_ context.Context, op bareOp) (int, error) {
		return failsafego.With(retrypolicy.NewBuilder[int]().
			WithMaxAttempts(5).
			WithMaxDuration(time.Minute).
			ReturnLastFailure().
			Build()).Get(op)
	},
	observed: func(events *int) func(context.Context, bareOp) (int, error) {
		ex := failsafego.With(failsafePolicy().
			OnRetryScheduled(func(failsafego.ExecutionScheduledEvent[int]) { *events++ }).
			Build())
		return func(_ context.Context, op bareOp) (int, error) {
			return ex.Get(op)
		}
	},
	adapt: bareAdapt,
	timed: func(ctx context.Context, attempts int, delay time.Duration, op bareOp) (int, error) {
		policy := retrypolicy.NewBuilder[int]().
			WithMaxAttempts(attempts).
			WithDelay(delay).
			ReturnLastFailure().
			Build()
		return failsafego.With(policy).WithContext(ctx).Get(op)
	},
}
