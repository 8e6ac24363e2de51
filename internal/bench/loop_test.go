package bench

import (
	"context"
	"time"
)

// handLoop is the floor: the loop a careful programmer writes by hand, with
// an attempt cap, a context check before each attempt, a constant delay on
// one reused timer and none at zero, an optional overall limit and an
// optional hook per retry. It classifies nothing: every error is retried.
// It has nothing to build, so its inline and reused forms are one call.
var handLoop = lib[ctxOp]{
	name:  "loop",
	ok:    okCtx,
	flaky: func() ctxOp { return failTwiceCtx(errBench) },
	inline: func(ctx context.Context, op ctxOp) (int, error) {
		return loopDo(ctx, op, 5, 0, 0, nil, nil)
	},
	reused: func(ctx context.Context, op ctxOp) (int, error) {
		return loopDo(ctx, op, 5, 0, 0, nil, nil)
	},
	bundle: func(ctx context.Context, op ctxOp) (int, error) {
		return loopDo(ctx, op, 5, 0, time.Minute, nil, nil)
	},
	observed: func(events *int) func(context.Context, ctxOp) (int, error) {
		onRetry := func() { *events++ }
		return func(ctx context.Context, op ctxOp) (int, error) {
			return loopDo(ctx, op, 5, 0, 0, nil, onRetry)
		}
	},
	limit: true,
	adapt: func(_ context.Context, op ctxOp) ctxOp { return op },
	timed: func(ctx context.Context, attempts int, delay time.Duration, op ctxOp) (int, error) {
		return loopDo(ctx, op, attempts, delay, 0, nil, nil)
	},
}

// loopDo calls op until it succeeds, attempts attempts have failed, or ctx
// is done, waiting delay between attempts. A positive limit bounds the time
// spent from the call to the end of the last wait, as the peers' overall
// limits do: it reads the clock when the call starts. A value v that
// reject, if not nil, reports true for is a failure, retried as an error
// is; the last one is returned with a nil error. onRetry, if not nil, is
// called before each retry.
func loopDo[T any](ctx context.Context, op func(context.Context) (T, error), attempts int, delay, limit time.Duration, reject func(T) bool, onRetry func()) (T, error) {
	var (
		timer *time.Timer
		start time.Time
		zero  T
	)
	if limit > 0 {
		start = time.Now()
	}
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			stopTimer(timer)
			return zero, err
		}
		v, err := op(ctx)
		if (err == nil && (reject == nil || !reject(v))) || n >= attempts ||
			limit > 0 && delay > limit-time.Since(start) {
			stopTimer(timer)
			return v, err
		}
		if onRetry != nil {
			onRetry()
		}
		if delay > 0 && !sleep(ctx, &timer, delay) {
			stopTimer(timer)
			return zero, err
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
