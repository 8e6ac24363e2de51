package bench

import (
	"context"
	"time"

	failsafego "github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
)

// failsafe-go retries every error by default, with no delay, no jitter and
// no overall limit unless asked. Its executors keep no state between calls
// and are safe for concurrent use, so the reused policy is one Executor
// built once. It takes the context per call through WithContext, which
// copies the executor: every scenario passes the call's context so. It has
// no option for a name or a cap per kind of error. The policy is at most 5
// attempts, returning the last failure as it is (ReturnLastFailure) rather
// than an ExceededError around it; the bundle adds WithMaxDuration.

func failsafePolicy() retrypolicy.Builder[int] {
	return retrypolicy.NewBuilder[int]().
		WithMaxAttempts(5).
		ReturnLastFailure()
}

var (
	failsafeReused = failsafego.With(failsafePolicy().Build())
	failsafeBundle = failsafego.With(failsafePolicy().WithMaxDuration(time.Minute).Build())
)

var failsafe = lib[bareOp]{
	name:  "failsafe",
	ok:    okBare,
	flaky: func() bareOp { return failTwiceBare(errBench) },
	inline: func(ctx context.Context, op bareOp) (int, error) {
		return failsafego.With(retrypolicy.NewBuilder[int]().
			WithMaxAttempts(5).
			ReturnLastFailure().
			Build()).WithContext(ctx).Get(op)
	},
	reused: func(ctx context.Context, op bareOp) (int, error) {
		return failsafeReused.WithContext(ctx).Get(op)
	},
	bundle: func(ctx context.Context, op bareOp) (int, error) {
		return failsafeBundle.WithContext(ctx).Get(op)
	},
	observed: func(events *int) func(context.Context, bareOp) (int, error) {
		ex := failsafego.With(failsafePolicy().
			OnRetryScheduled(func(failsafego.ExecutionScheduledEvent[int]) { *events++ }).
			Build())
		return func(ctx context.Context, op bareOp) (int, error) {
			return ex.WithContext(ctx).Get(op)
		}
	},
	limit: true,
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
