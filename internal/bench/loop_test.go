package bench

import (
	"context"
	"time"
)

// handLoop is the floor: the loop a careful programmer writes by hand, with
// an attempt cap, a context check before each attempt, a constant delay on
// one reused timer and none at zero, and an optional hook per retry. It
// classifies nothing: every error is retried.
var handLoop = lib[ctxOp]{
	name:  "loop",
	ok:    okCtx,
	flaky: func() ctxOp { return failTwiceCtx(errBench) },
	success: func(ctx context.Context, op ctxOp) (int, error) {
		return loopDo(ctx, op, 5, 0, nil)
	},
	bundle: func(ctx context.Context, op ctxOp) (int, error) {
		return loopDo(ctx, op, 5, 0, nil)
	},
	inline: func(ctx context.Context, op ctxOp) (int, error) {
		return loopDo(ctx, op, 5, 0, nil)
	},
	observed: func(events *int) func(context.Context, ctxOp) (int, error) {
		onRetry := func() { *events++ }
		return func(ctx context.Context, op ctxOp) (int, error) {
			return loopDo(ctx, op, 5, 0, onRetry)
		}
	},
	adapt: func(_ context.Context, op ctxOp) ctxOp { return op },
	timed: func(ctx context.Context, attempts int, delay time.Duration, op ctxOp) (int, error) {
		return loopDo(ctx, op, attempts, delay, nil)
	},
}

// loopDo calls op until it succeeds, attempts attempts have failed, or ctx
// is done, waiting delay between attempts; it calls onRetry, if not nil,
// before each retry.
func loopDo(ctx context.Context, op ctxOp, attempts int, delay time.Duration, onRetry func()) (int, error) {
	var timer *time.Timer
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			stopTimer(timer)
			return 0, err
		}
		v, err := op(ctx)
		if err == nil || n >= attempts {
			stopTimer(timer)
			return v, err
		}
		if onRetry != nil {
			onRetry()
		}
		if delay > 0 && !sleep(ctx, &timer, delay) {
			stopTimer(timer)
			return 0, err
		}
	}
}

// sleep waits delay on *timer, made at the first wait and reused after, and
// reports whether it did so without ctx being done.
func sleep(ctx context.Context, timer **time.Timer, delay time.Duration) bool {
	if *timer == nil {
		*timer = time.NewTimer(delay)
	} else {
		(*timer).Reset(delay)
	}
	select {
	case <-ctx.Done():
		return false
	case <-(*timer).C:
		return ctx.Err() == nil
	}
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}
