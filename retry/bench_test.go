package retry_test

import (
	"context"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

func BenchmarkDo(b *testing.B) {
	ctx := context.Background()
	ok := func(context.Context) (int, error) { return 1, nil }
	zero := retry.Options(retry.Backoff(backoff.Constant(0)))
	events := 0
	observed := retry.Options(retry.Backoff(backoff.Constant(0)),
		retry.Subscribe(observe.Func(func(observe.Retry) { events++ })))

	b.Run("Success", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			retry.Do(ctx, ok)
		}
	})
	b.Run("SuccessBundle", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			retry.Do(ctx, ok, zero)
		}
	})
	b.Run("SuccessInline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			retry.Do(ctx, ok, retry.MaxAttempts(3), retry.Backoff(backoff.Constant(0)))
		}
	})
	// Deadline pays for a context that ends the running attempt on time:
	// what it costs over SuccessBundle, which has no deadline.
	deadline := retry.Options(retry.Backoff(backoff.Constant(0)), retry.Deadline(time.Minute))
	b.Run("SuccessDeadline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			retry.Do(ctx, ok, deadline)
		}
	})
	// A hedged call whose first attempt answers before the delay: what
	// hedging costs a call that does not need it, over SuccessBundle, the
	// same op and options without Hedge.
	hedged := retry.Options(retry.Backoff(backoff.Constant(0)), retry.Hedge(time.Second, 2))
	b.Run("HedgeNotFired", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			retry.DoHedged(ctx, ok, hedged)
		}
	})
	b.Run("Retry3", func(b *testing.B) {
		op := failTimes(2, transient)
		b.ReportAllocs()
		for b.Loop() {
			retry.Do(ctx, op, zero)
		}
	})
	b.Run("Retry3Observed", func(b *testing.B) {
		op := failTimes(2, transient)
		b.ReportAllocs()
		for b.Loop() {
			retry.Do(ctx, op, observed)
		}
	})
	// A result classifier costs one call of it more than SuccessBundle.
	accept := retry.Options(retry.Backoff(backoff.Constant(0)), retry.ClassifyResult(func(v int) (classify.Class, bool) {
		return classify.Transient, v == 0
	}))
	b.Run("SuccessResult", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			retry.Do(ctx, ok, accept)
		}
	})
	// Four "not yet" answers, then done, with no wait: Retry3's loop,
	// driven by values instead of errors.
	b.Run("Poll5", func(b *testing.B) {
		n := 0
		pending := func(context.Context) (int, error) {
			n++
			if n%5 == 0 {
				return 1, nil // done
			}
			return 0, nil // not yet
		}
		b.ReportAllocs()
		for b.Loop() {
			retry.Do(ctx, pending, accept, retry.MaxAttempts(5))
		}
	})
	// A closed breaker: one Allow and one Success more than SuccessBundle.
	guarded := retry.Options(retry.Backoff(backoff.Constant(0)), retry.Breaker(breaker.New(breaker.Config{})))
	b.Run("SuccessBreaker", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			retry.Do(ctx, ok, guarded)
		}
	})
	b.Run("ParallelBreaker", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				retry.Do(ctx, ok, guarded)
			}
		})
	})
	b.Run("Parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				retry.Do(ctx, ok, zero)
			}
		})
	})
}

// floor is the hand-written loop that Do competes with: up to three
// attempts, stopping at the first success, with no classification, no
// delay, no deadline and no events. It is not inlined, as Do is not.
//
//go:noinline
func floor(ctx context.Context, op func(context.Context) (int, error)) (int, error) {
	var err error
	for range 3 {
		if err = ctx.Err(); err != nil {
			return 0, err
		}
		var v int
		if v, err = op(ctx); err == nil {
			return v, nil
		}
	}
	return 0, err
}

func BenchmarkFloor(b *testing.B) {
	ctx := context.Background()
	b.Run("Success", func(b *testing.B) {
		ok := func(context.Context) (int, error) { return 1, nil }
		b.ReportAllocs()
		for b.Loop() {
			floor(ctx, ok)
		}
	})
	b.Run("Retry3", func(b *testing.B) {
		op := failTimes(2, transient)
		b.ReportAllocs()
		for b.Loop() {
			floor(ctx, op)
		}
	})
}
