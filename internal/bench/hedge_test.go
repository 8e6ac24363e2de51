package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	failsafego "github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/hedgepolicy"

	"github.com/reflexio-go/reflexio/retry"
)

// The hedging scenarios time a policy that starts a second attempt beside
// the first when the first has not answered after a delay, with at most 2
// attempts in flight, no retry after them, no overall limit, the policy
// built once and the call's context per call:
//
//   - HedgeNotFired: a 1s hedge delay and an operation that answers at
//     once, so no hedge starts; what a hedging policy costs the calls that
//     do not need it.
//   - HedgeFired: a 50µs hedge delay and an operation whose first attempt
//     of a call blocks until its context is cancelled, and whose second
//     answers at once: the hedge starts, wins, and the first is cancelled.
//
// reflexio is retry.DoHedged with retry.Hedge(delay, 2) and MaxAttempts(2)
// (a hedge is an attempt), NoDeadline(), no Budget. failsafe-go is an
// executor of hedgepolicy.NewBuilderWithDelay(delay).WithMaxHedges(1)
// alone (no retry policy, so at most those 2 attempts), called with
// WithContext(ctx).GetWithExecution, the operation taking the attempt's
// context from Execution.Context (built once). The hand-written floor is
// a plain call of the operation, in HedgeNotFired only.
//
// Not equal, because the libraries differ: failsafe-go runs even the first
// attempt on a goroutine of its own, reflexio on the caller's; failsafe-go
// returns as soon as an attempt wins, with the losers cancelled but maybe
// still running, where DoHedged returns once every attempt has.

const (
	hedgeSlow = time.Second
	hedgeFast = 50 * time.Microsecond
)

var (
	reflexioHedgeSlow = reflexioHedgeOptions(hedgeSlow)
	reflexioHedgeFast = reflexioHedgeOptions(hedgeFast)

	failsafeHedgeSlow = failsafeHedgeExecutor(hedgeSlow)
	failsafeHedgeFast = failsafeHedgeExecutor(hedgeFast)
)

func reflexioHedgeOptions(delay time.Duration) retry.Option {
	return retry.Options(
		retry.Hedge(delay, 2),
		retry.MaxAttempts(2),
		retry.NoDeadline(),
	)
}

func failsafeHedgeExecutor(delay time.Duration) failsafego.Executor[int] {
	return failsafego.With(hedgepolicy.NewBuilderWithDelay[int](delay).
		WithMaxHedges(1).
		Build())
}

// hedgeLib is one library set up for the hedging scenarios.
type hedgeLib struct {
	name string
	// prepare turns op into a call of it with the policy of the given
	// delay, the slow or the fast one; what the library needs built around
	// op is built here, once, not in the call.
	prepare func(delay time.Duration, op ctxOp) func(context.Context) (int, error)
	// fires says whether the library is in HedgeFired.
	fires bool
}

var hedgeLibs = []hedgeLib{
	{
		name:  "reflexio",
		fires: true,
		prepare: func(delay time.Duration, op ctxOp) func(context.Context) (int, error) {
			opts := reflexioHedgeSlow
			if delay == hedgeFast {
				opts = reflexioHedgeFast
			}
			return func(ctx context.Context) (int, error) { return retry.DoHedged(ctx, op, opts) }
		},
	},
	{
		name: "loop",
		prepare: func(_ time.Duration, op ctxOp) func(context.Context) (int, error) {
			return op
		},
	},
	{
		name:  "failsafe",
		fires: true,
		prepare: func(delay time.Duration, op ctxOp) func(context.Context) (int, error) {
			ex := failsafeHedgeSlow
			if delay == hedgeFast {
				ex = failsafeHedgeFast
			}
			native := func(e failsafego.Execution[int]) (int, error) { return op(e.Context()) }
			return func(ctx context.Context) (int, error) {
				return ex.WithContext(ctx).GetWithExecution(native)
			}
		},
	},
}

// firstBlocks returns an operation of which every first attempt of a call
// (the odd calls of it) blocks until its context is cancelled, and every
// second answers 1 at once. Each call of a hedged policy makes exactly two
// attempts, the first blocking until the second has answered, so the
// count stays in step even when a library's losing attempt returns after
// the call. inflight, if not nil, is Done by every attempt as it returns.
func firstBlocks(inflight *sync.WaitGroup) ctxOp {
	var n atomic.Uint64
	return func(ctx context.Context) (int, error) {
		if inflight != nil {
			inflight.Add(1)
			defer inflight.Done()
		}
		if n.Add(1)%2 == 1 {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return 1, nil
	}
}

func BenchmarkHedgeNotFired(b *testing.B) {
	for _, l := range hedgeLibs {
		b.Run("lib="+l.name, func(b *testing.B) {
			call := l.prepare(hedgeSlow, okCtx)
			benchCalls(b, func(ctx context.Context, _ struct{}) (int, error) { return call(ctx) }, struct{}{})
		})
	}
}

func BenchmarkHedgeFired(b *testing.B) {
	for _, l := range hedgeLibs {
		if !l.fires {
			continue
		}
		b.Run("lib="+l.name, func(b *testing.B) {
			call := l.prepare(hedgeFast, firstBlocks(nil))
			benchCalls(b, func(ctx context.Context, _ struct{}) (int, error) { return call(ctx) }, struct{}{})
		})
	}
}

// TestHedgeConfigs checks, on a fake clock, that every library of the
// hedging scenarios is configured as they say: no hedge for an operation
// that answers at once; a hedge at exactly the delay, which wins, when the
// first attempt blocks; and no more than 2 attempts when all of them block.
func TestHedgeConfigs(t *testing.T) {
	for _, l := range hedgeLibs {
		t.Run(l.name, func(t *testing.T) {
			t.Run("no hedge when the operation answers at once", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					for _, delay := range []time.Duration{hedgeSlow, hedgeFast} {
						var calls counter
						v, err := l.prepare(delay, countCalls(&calls, 0))(t.Context())
						if v != 1 || err != nil || calls.get() != 1 {
							t.Errorf("delay %v: %d, %v after %d attempts; want 1, <nil> after 1", delay, v, err, calls.get())
						}
					}
				})
			})
			if !l.fires {
				return
			}
			t.Run("the hedge starts at the delay and wins", func(t *testing.T) {
				for _, delay := range []time.Duration{hedgeSlow, hedgeFast} {
					synctest.Test(t, func(t *testing.T) {
						var inflight sync.WaitGroup
						var calls counter
						blocks := firstBlocks(&inflight)
						op := func(ctx context.Context) (int, error) { calls.add(); return blocks(ctx) }
						start := time.Now()
						v, err := l.prepare(delay, op)(t.Context())
						took := time.Since(start)
						inflight.Wait()
						if v != 1 || err != nil || calls.get() != 2 || took != delay {
							t.Errorf("delay %v: %d, %v after %d attempts in %v; want 1, <nil> after 2 in %v",
								delay, v, err, calls.get(), took, delay)
						}
					})
				}
			})
			t.Run("at most 2 attempts", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(t.Context(), time.Second)
					defer cancel()
					var inflight sync.WaitGroup
					var calls counter
					op := func(ctx context.Context) (int, error) {
						inflight.Add(1)
						defer inflight.Done()
						calls.add()
						<-ctx.Done()
						return 0, ctx.Err()
					}
					_, err := l.prepare(hedgeFast, op)(ctx)
					inflight.Wait()
					if err == nil || calls.get() != 2 {
						t.Errorf("%v after %d attempts; want an error after 2", err, calls.get())
					}
				})
			})
		})
	}
}
