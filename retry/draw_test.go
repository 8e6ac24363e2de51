package retry_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// The loop draws no random number for a Backoff strategy of package
// backoff that never reads Input.Random, such as Constant(0), unless the
// call gave its own source with Rand. These tests pin what must not change with it: every
// strategy that reads Random gets a fresh draw for every delay, a server's
// hint is still spread at random, and a seeded source gives the delays it
// gave when every failure drew.

// delaysOf makes calls calls of an operation that fails with errs, then
// succeeds, with opts, in a synctest bubble, and returns the delays of
// their Retry events. Every other call takes opts as a bundle, so that both
// ways of resolving options are exercised.
func delaysOf(t *testing.T, calls int, errs []error, opts ...retry.Option) []time.Duration {
	t.Helper()
	var delays []time.Duration
	record := retry.Subscribe(observe.Func(func(e observe.Retry) { delays = append(delays, e.Delay) }))
	all := append(slices.Clip(opts), record, retry.MaxAttempts(len(errs)+1))
	bundle := retry.Options(all...)
	synctest.Test(t, func(t *testing.T) {
		for i := range calls {
			callOpts := all
			if i%2 == 1 {
				callOpts = []retry.Option{bundle}
			}
			if _, err := retry.Do(t.Context(), newOp(errs...).do, callOpts...); err != nil {
				t.Fatalf("Do = %v; want success after %d failures", err, len(errs))
			}
		}
	})
	if want := calls * len(errs); len(delays) != want {
		t.Fatalf("got %d Retry events; want %d", len(delays), want)
	}
	return delays
}

// distinct returns the number of distinct values of ds.
func distinct(ds []time.Duration) int {
	return len(slices.Compact(slices.Sorted(slices.Values(ds))))
}

// randomSecond is a user's own strategy type: it waits Random seconds.
type randomSecond struct{}

func (randomSecond) Delay(in backoff.Input) time.Duration {
	return time.Duration(in.Random * float64(time.Second))
}

func TestRandomIsDrawnForEveryStrategyThatReadsIt(t *testing.T) {
	userFunc := backoff.Func(func(in backoff.Input) time.Duration {
		return time.Duration(in.Random * float64(time.Second))
	})
	tests := []struct {
		name string
		opts []retry.Option
	}{
		{"the default strategy", nil},
		{"FullJitter", []retry.Option{retry.Backoff(backoff.FullJitter(time.Second, time.Second))}},
		{"EqualJitter", []retry.Option{retry.Backoff(backoff.EqualJitter(time.Second, time.Second))}},
		{"DecorrelatedJitter", []retry.Option{retry.Backoff(backoff.DecorrelatedJitter(time.Second, 3*time.Second))}},
		{"Jitter of Constant", []retry.Option{retry.Backoff(backoff.Jitter(1, backoff.Constant(time.Second)))}},
		{"Jitter of Exponential", []retry.Option{retry.Backoff(backoff.Jitter(0.5, backoff.Exponential(time.Second, time.Second)))}},
		{"Cap of Jitter of Constant", []retry.Option{retry.Backoff(backoff.Cap(time.Second, backoff.Jitter(1, backoff.Constant(time.Second))))}},
		{"Floor of FullJitter", []retry.Option{retry.Backoff(backoff.Floor(time.Millisecond, backoff.FullJitter(time.Second, time.Second)))}},
		{"a user's Func", []retry.Option{retry.Backoff(userFunc)}},
		{"Cap of a user's Func", []retry.Option{retry.Backoff(backoff.Cap(time.Second, userFunc))}},
		{"a user's strategy type", []retry.Option{retry.Backoff(randomSecond{})}},
		{"Floor of a user's strategy type", []retry.Option{retry.Backoff(backoff.Floor(0, randomSecond{}))}},
		{"BackoffFor a jittered strategy over a Constant", []retry.Option{
			retry.Backoff(backoff.Constant(time.Second)),
			retry.BackoffFor(classify.Transient, backoff.FullJitter(time.Second, time.Second)),
		}},
		{"Backoff of Constant before BackoffFor a user's", []retry.Option{
			retry.BackoffFor(classify.Transient, userFunc),
			retry.Backoff(backoff.Constant(0)),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			delays := delaysOf(t, 4, repeat(transient, 4), tt.opts...)
			// Without a draw, Random is 0 and every delay is the same.
			if distinct(delays) == 1 {
				t.Errorf("Do(%v) waited %v every time; want delays that vary with Input.Random", tt.opts, delays[0])
			}
		})
	}
}

func TestHintIsSpreadAtRandomWhateverTheStrategy(t *testing.T) {
	const hint = 10 * time.Second
	busy := classify.MarkRateLimit(errBusy, hint)
	for _, s := range []backoff.Strategy{
		backoff.Constant(0),
		backoff.Exponential(time.Millisecond, time.Second),
		backoff.Cap(time.Second, backoff.Constant(time.Second)),
		backoff.Floor(time.Second, backoff.Constant(0)),
		backoff.FullJitter(time.Second, time.Second),
		backoff.Func(func(backoff.Input) time.Duration { return 0 }),
	} {
		t.Run(backoffName(s), func(t *testing.T) {
			delays := delaysOf(t, 4, repeat(busy, 4), retry.Backoff(s))
			for _, d := range delays {
				if d < hint || d > hint+hint/10 {
					t.Fatalf("Do with Backoff(%v) and a hint of %v waited %v; want within [%v, %v]", s, hint, d, hint, hint+hint/10)
				}
			}
			if distinct(delays) == 1 {
				t.Errorf("Do with Backoff(%v) and a hint of %v waited %v every time; want a random spread", s, hint, delays[0])
			}
		})
	}
}

// backoffName returns how s prints, as a subtest's name.
func backoffName(s backoff.Strategy) string {
	if str, ok := s.(interface{ String() string }); ok {
		return str.String()
	}
	return "strategy"
}

// A call's own source with Rand is drawn once per failure, as it was before
// the loop learnt to skip the draw, whatever the strategy: a simulation
// seeded the same way waits the same delays. Failures without a hint, whose
// Constant delay reads no draw, still take theirs.
func TestSeededSourceGivesTheSameDelays(t *testing.T) {
	const hint = 10 * time.Second
	busy := classify.MarkRateLimit(errBusy, hint)
	errs := []error{transient, busy, transient, transient, busy, busy, transient, busy}
	tests := []struct {
		name  string
		s     backoff.Strategy
		delay func(u float64) time.Duration // the strategy's, for a draw of u
	}{
		{"Constant", backoff.Constant(0), func(float64) time.Duration { return 0 }},
		{"Cap of Constant", backoff.Cap(time.Second, backoff.Constant(time.Second)), func(float64) time.Duration { return time.Second }},
		{"FullJitter", backoff.FullJitter(time.Second, time.Second), func(u float64) time.Duration {
			return time.Duration(u * float64(time.Second))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var got []time.Duration
				_, err := retry.Do(t.Context(), newOp(errs...).do,
					retry.Rand(rand.New(rand.NewPCG(1, 2))),
					retry.Backoff(tt.s),
					retry.MaxAttempts(len(errs)+1),
					retry.Subscribe(observe.Func(func(e observe.Retry) { got = append(got, e.Delay) })),
				)
				if err != nil {
					t.Fatalf("Do = %v; want success", err)
				}
				twin := rand.New(rand.NewPCG(1, 2))
				var want []time.Duration
				for _, err := range errs {
					u := twin.Float64() // one draw per failure, hinted or not
					d := tt.delay(u)
					if err == busy {
						d = hint + time.Duration(u*float64(hint/10))
					}
					want = append(want, d)
				}
				if !slices.EqualFunc(got, want, func(g, w time.Duration) bool { return (g - w).Abs() <= time.Nanosecond }) {
					t.Errorf("Do with a seeded Rand waited %v; want %v", got, want)
				}
			})
		})
	}
}
