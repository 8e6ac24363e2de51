package retry_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

func skipIfRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
}

// failTimes returns an operation that fails n times with err, then
// succeeds, and again on the next n+1 calls: one run of the loop each.
func failTimes(n int, err error) func(context.Context) (int, error) {
	calls := 0
	return func(context.Context) (int, error) {
		calls++
		if calls%(n+1) != 0 {
			return 0, err
		}
		return 1, nil
	}
}

func TestAllocs(t *testing.T) {
	skipIfRace(t)
	ctx := context.Background()
	// What context.WithTimeoutCause costs on its own, and Deadline with it.
	deadlineAllocs := testing.AllocsPerRun(100, func() {
		_, cancel := context.WithTimeoutCause(ctx, time.Minute, context.DeadlineExceeded)
		cancel()
	}) + 1 // the cause, which names the option
	// What a hedged call's first attempt needs on top of a plain call:
	// a context that can be cancelled, were a hedge to win, and a timer
	// for the hedge delay (package time's), with its callback (one more).
	cancelAllocs := testing.AllocsPerRun(100, func() {
		_, cancel := context.WithCancel(ctx)
		cancel()
	})
	fire := func() {}
	timerAllocs := testing.AllocsPerRun(100, func() { time.AfterFunc(time.Hour, fire).Stop() }) + 1
	hedged := retry.Options(retry.Backoff(backoff.Constant(0)), retry.Hedge(time.Hour, 2))
	ok := func(context.Context) (int, error) { return 1, nil }
	okRun := func(context.Context) error { return nil }
	zero := retry.Options(retry.Backoff(backoff.Constant(0)))
	quiet := retry.Options(retry.Backoff(backoff.Constant(0)),
		retry.Subscribe(observe.Func(func(observe.Cancelled) {})))
	once := retry.Options(retry.MaxAttempts(1))
	budgeted := retry.Options(retry.NewBudget(0.1, 1000), retry.Backoff(backoff.Constant(0)))
	retry3, retry3Quiet := failTimes(2, transient), failTimes(2, transient)
	fail := func(context.Context) (int, error) { return 0, transient }
	closed := breaker.New(breaker.Config{ConsecutiveFailures: -1})
	zeroWait := retry.Backoff(backoff.Constant(0))
	guarded := retry.Options(retry.Breaker(closed), zeroWait)
	polls := 0
	poll5 := func(context.Context) (int, error) { polls++; return polls % 5, nil }
	polling := retry.Options(retry.Backoff(backoff.Constant(0)), retry.MaxAttempts(5),
		retry.ClassifyResult(func(v int) (classify.Class, bool) { return classify.Transient, v != 0 }))
	retries := 0
	count := func(observe.Retry) { retries++ }
	counter := observe.Func(count)
	counted := retry.Options(zeroWait, retry.Subscribe(counter))
	countedMulti := retry.Options(zeroWait, retry.Subscribe(observe.Multi(counter, observe.Func(func(observe.Success) { retries++ }))))
	retry3Counted := failTimes(2, transient)
	tests := []struct {
		name string
		f    func()
		want float64
	}{
		// Every call costs one allocation: the context of its attempts,
		// which carries the flag by which a loop nested in an attempt says
		// it gave up (retry at one layer).
		{"Do with no options succeeding at once", func() { retry.Do(ctx, ok) }, 1},
		{"Run with no options succeeding at once", func() { retry.Run(ctx, okRun) }, 1},
		{"Do with a bundle succeeding at once", func() { retry.Do(ctx, ok, zero) }, 1},
		// A zero delay arms no timer, which would allocate.
		{"Do with a bundle after two zero-delay retries", func() { retry.Do(ctx, retry3, zero) }, 1},
		// A call builds no event that no subscriber takes.
		{"Do with a subscriber of other kinds after two retries", func() { retry.Do(ctx, retry3Quiet, quiet) }, 1},
		// Options of the call's own stay on its stack, with its configuration.
		{"Do with five options of its own succeeding at once", func() {
			retry.Do(ctx, ok, retry.Name("bench"), retry.MaxAttempts(5), retry.MaxRetryTime(time.Minute),
				retry.Backoff(backoff.Constant(0)), retry.MaxUnknownAttempts(3))
		}, 1},
		// Deadline pays for the context that ends the running attempt at
		// the deadline: a timer, and what package context makes with it.
		{"Do with a Deadline succeeding at once", func() { retry.Do(ctx, ok, retry.Deadline(time.Minute)) }, 1 + deadlineAllocs},
		{"Do with a bundle and an override succeeding at once", func() { retry.Do(ctx, ok, zero, retry.MaxAttempts(2)) }, 1},
		// A budget costs no allocation, on success or on retry.
		{"Do with a budget succeeding at once", func() { retry.Do(ctx, ok, budgeted) }, 1},
		{"Do with a budget after two zero-delay retries", func() { retry.Do(ctx, failTimes(2, transient), budgeted) }, 1},
		// A result classifier costs nothing, inline or bundled, accepting
		// or rejecting.
		{"Do with a result classifier of its own accepting at once", func() {
			retry.Do(ctx, ok, retry.ClassifyResult(func(v int) (classify.Class, bool) { return classify.Transient, v != 1 }))
		}, 1},
		{"Do with a bundled result classifier after four zero-delay rejections", func() { retry.Do(ctx, poll5, polling) }, 1},
		// A closed breaker costs nothing, on success or on retry.
		{"Do with a closed breaker succeeding at once", func() { retry.Do(ctx, ok, retry.Breaker(closed), zeroWait) }, 1},
		{"Do with a closed breaker after two zero-delay retries", func() { retry.Do(ctx, failTimes(2, transient), guarded) }, 1},
		// Giving up costs the *Error, and only that.
		{"Do with a bundle giving up", func() { retry.Do(ctx, fail, once) }, 2},
		// An event delivered to a Func of its own type is passed by value,
		// never boxed: the two Retry events cost nothing. So does a
		// subscriber given at the call site, and a Multi of such Funcs.
		{"Do with a bundled Func[Retry] after two zero-delay retries", func() { retry.Do(ctx, retry3Counted, counted) }, 1},
		{"Do with a Func[Retry] of its own after two zero-delay retries", func() {
			retry.Do(ctx, retry3Counted, zeroWait, retry.Subscribe(counter))
		}, 1},
		{"Do with a Func[Retry] made at the call site after two zero-delay retries", func() {
			retry.Do(ctx, retry3Counted, zeroWait, retry.Subscribe(observe.Func(count)))
		}, 1},
		{"Do with a bundled Multi of Funcs after two zero-delay retries", func() { retry.Do(ctx, retry3Counted, countedMulti) }, 1},
		// DoHedged keeps the attempts' context in the call's state, which
		// the hedges' goroutines share: without Hedge, it costs what Do
		// does; with it, a first attempt that answers before the delay
		// costs its cancellable context and the timer, nothing else.
		{"DoHedged without Hedge succeeding at once", func() { retry.DoHedged(ctx, ok, zero) }, 1},
		{"DoHedged whose hedge does not fire", func() { retry.DoHedged(ctx, ok, hedged) }, 1 + cancelAllocs + timerAllocs},
		// Added by the audit of the docs' promises (issue #17). Do and
		// Run never move op, nor what it captures, to the heap (retry's
		// doc, the README's Hedging): an op written at the call site that
		// changes a variable of the caller's costs nothing more, as it
		// would with DoHedged (two allocations: the closure and the
		// variable).
		{"Do with an op of the call site that captures a variable, succeeding at once", func() {
			n := 0
			retry.Do(ctx, func(context.Context) (int, error) { n++; return n, nil })
		}, 1},
		{"Run with an op of the call site that captures a variable, succeeding at once", func() {
			n := 0
			retry.Run(ctx, func(context.Context) error { n++; return nil })
		}, 1},
		{"Do with an op of the call site that captures a variable, after two zero-delay retries", func() {
			n := 0
			retry.Do(ctx, func(context.Context) (int, error) {
				if n++; n < 3 {
					return 0, transient
				}
				return n, nil
			}, zero)
		}, 1},
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(100, tt.f); got != tt.want {
			t.Errorf("%s: %v allocs; want %v", tt.name, got, tt.want)
		}
	}
	if retries == 0 {
		t.Error("the Func subscribers saw no event")
	}
}

// TestTypedEventsOfEveryKindAllocateNothing: Funcs of every event type
// the loop sends, bundled, cost a call nothing over the same call without
// them, whichever way it ends. Hedged calls aside: a round notes the events
// it will send in a slice of its own (hedge.go).
func TestTypedEventsOfEveryKindAllocateNothing(t *testing.T) {
	skipIfRace(t)
	for _, tc := range eventCases() {
		if tc.name == "hedge" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := t.Context()
				if tc.ctx != nil {
					ctx = tc.ctx()
				}
				n := 0
				plain := retry.Options(append([]retry.Option{retry.Name("op")}, tc.opts...)...)
				counted := retry.Options(plain, retry.Subscribe(countingFuncs(&n)...))
				base := testing.AllocsPerRun(20, func() { retry.Do(ctx, tc.op, plain) })
				got := testing.AllocsPerRun(20, func() { retry.Do(ctx, tc.op, counted) })
				if got != base {
					t.Errorf("Do with a Func of every event type: %v allocs; want %v, as without them", got, base)
				}
				if n == 0 {
					t.Error("the Funcs got no event")
				}
			})
		})
	}
}

// A call makes at most one timer, however many times it waits.
func TestOneTimerPerCall(t *testing.T) {
	skipIfRace(t)
	synctest.Test(t, func(t *testing.T) {
		bundle := retry.Options(retry.Backoff(backoff.Constant(time.Second)), retry.MaxAttempts(10))
		allocs := func(waits int) float64 {
			op := failTimes(waits, transient)
			return testing.AllocsPerRun(20, func() { retry.Do(t.Context(), op, bundle) })
		}
		one, many := allocs(1), allocs(8)
		if one != many {
			t.Errorf("%v allocs for a call with 1 wait, %v for one with 8; want the same: one timer, reused", one, many)
		}
		if one == 0 {
			t.Errorf("0 allocs for a call with a wait; want the timer's")
		}
	})
}
