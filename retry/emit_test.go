package retry_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// seen is one event as a named subscriber received it.
type seen struct {
	by string
	e  observe.Event
}

// TestTypedAndBoxedSubscribersSeeTheSameEventsInOrder: Funcs of an event
// type, which the loop hands events to by value, and subscribers that
// take them boxed, in a bundle, at the call site and in a Multi, receive
// the same values, each event in the order of the subscribers, and the
// events in the order they happen.
func TestTypedAndBoxedSubscribersSeeTheSameEventsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []seen
		typedRetry := func(name string) observe.Subscriber {
			return observe.Func(func(e observe.Retry) { got = append(got, seen{name, e}) })
		}
		typedSuccess := func(name string) observe.Subscriber {
			return observe.Func(func(e observe.Success) { got = append(got, seen{name, e}) })
		}
		boxed := func(name string) observe.Subscriber {
			return observe.Func(func(e observe.Event) { got = append(got, seen{name, e}) })
		}
		bundle := retry.Options(retry.Name("users.get"), retry.Backoff(backoff.Constant(time.Second)),
			retry.Subscribe(typedRetry("A"), boxed("B")))
		f := newOp(transient, transient)
		_, err := retry.Do(t.Context(), f.do, bundle,
			retry.Subscribe(observe.Multi(typedSuccess("C"), boxed("D"), observe.Multi(typedRetry("E")))),
			retry.Subscribe(typedRetry("F")))
		if err != nil {
			t.Fatalf("Do = %v; want success", err)
		}
		r1 := observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second}
		r2 := observe.Retry{Operation: "users.get", Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second}
		ok := observe.Success{Operation: "users.get", Attempt: 3, Elapsed: 2 * time.Second}
		want := []seen{
			{"A", r1}, {"B", r1}, {"D", r1}, {"E", r1}, {"F", r1},
			{"A", r2}, {"B", r2}, {"D", r2}, {"E", r2}, {"F", r2},
			{"B", ok}, {"C", ok}, {"D", ok},
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(seen{}), cmp.Comparer(sameError)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

// eventCase is a call that sends the events of some kinds.
type eventCase struct {
	name string
	ctx  func() context.Context // nil: the test's
	op   func(context.Context) (int, error)
	opts []retry.Option
}

// eventCases returns calls that together send every kind of event the
// loop sends, each with an operation and options of its own.
func eventCases() []eventCase {
	fail := func(err error) func(context.Context) (int, error) {
		return func(context.Context) (int, error) { return 0, err }
	}
	ok := func(context.Context) (int, error) { return 1, nil }
	// hedged's first attempt of each call waits for its context, its hedge
	// answers at once.
	var calls atomic.Int32 // hedges run on goroutines of their own
	hedged := func(ctx context.Context) (int, error) {
		if calls.Add(1)%2 == 1 {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return 2, nil
	}
	quick := retry.Backoff(backoff.Constant(time.Second))
	return []eventCase{
		{"success", nil, ok, nil},
		{"retry and max attempts", nil, fail(transient), []retry.Option{quick, retry.MaxAttempts(2)}},
		{"permanent", nil, fail(permanent), nil},
		{"unknown cap", nil, fail(unknown), []retry.Option{quick}},
		{"class cap", nil, fail(transient), []retry.Option{quick, retry.MaxAttemptsFor(classify.Transient, 1)}},
		{"deadline", nil, fail(transient), []retry.Option{retry.Backoff(backoff.Constant(time.Hour)), retry.Deadline(time.Minute)}},
		{"budget", nil, fail(transient), []retry.Option{quick, retry.NewBudget(0, 1)}},
		{"breaker", nil, fail(transient), []retry.Option{quick, retry.Breaker(breaker.New(breaker.Config{ConsecutiveFailures: 1, BreakDuration: time.Hour, MaxBreakDuration: time.Hour}))}},
		{"cancelled", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, ok, nil},
		{"hedge", nil, hedged, []retry.Option{retry.Hedge(time.Second, 2)}},
	}
}

// TestEveryEventReachesAFuncOfItsType: each kind of event the loop sends
// reaches a Func of its own type, alone, by value, as the same value a
// Recorder keeps.
func TestEveryEventReachesAFuncOfItsType(t *testing.T) {
	cases := eventCases()
	kinds := observe.Set(0)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var rec observe.Recorder
				var got []observe.Event
				ctx := t.Context()
				if tc.ctx != nil {
					ctx = tc.ctx()
				}
				opts := append([]retry.Option{retry.Name("op"), retry.Subscribe(&rec)}, tc.opts...)
				opts = append(opts, retry.Subscribe(typedFuncs(func(e observe.Event) { got = append(got, e) })...))
				retry.DoHedged(ctx, tc.op, opts...)
				if len(rec.Events()) == 0 {
					t.Fatal("no event")
				}
				if diff := cmp.Diff(rec.Events(), got, cmp.Comparer(sameError)); diff != "" {
					t.Errorf("events the Funcs got (-Recorder +Funcs):\n%s", diff)
				}
				for _, e := range got {
					kinds |= observe.SetOf(e.Kind())
				}
			})
		})
	}
	if want := observe.All &^ observe.SetOf(observe.KindBreakerStateChange); kinds != want {
		t.Errorf("the cases sent %v; want every kind the loop sends, %v", kinds, want)
	}
}

// typedFuncs returns one Func of each event type the loop sends, each
// passing what it gets to keep.
func typedFuncs(keep func(observe.Event)) []observe.Subscriber {
	return []observe.Subscriber{
		observe.Func(func(e observe.Success) { keep(e) }),
		observe.Func(func(e observe.Retry) { keep(e) }),
		observe.Func(func(e observe.PermanentFailure) { keep(e) }),
		observe.Func(func(e observe.MaxAttemptsExceeded) { keep(e) }),
		observe.Func(func(e observe.MaxUnknownAttemptsExceeded) { keep(e) }),
		observe.Func(func(e observe.MaxClassAttemptsExceeded) { keep(e) }),
		observe.Func(func(e observe.DeadlineExceeded) { keep(e) }),
		observe.Func(func(e observe.BudgetExhausted) { keep(e) }),
		observe.Func(func(e observe.Cancelled) { keep(e) }),
		observe.Func(func(e observe.BreakerRejected) { keep(e) }),
		observe.Func(func(e observe.HedgeStarted) { keep(e) }),
		observe.Func(func(e observe.HedgeWon) { keep(e) }),
		observe.Func(func(e observe.HedgeCancelled) { keep(e) }),
	}
}

// countingFuncs returns one Func of each event type the loop sends, each
// counting what it gets in n.
func countingFuncs(n *int) []observe.Subscriber {
	return []observe.Subscriber{
		observe.Func(func(observe.Success) { *n++ }),
		observe.Func(func(observe.Retry) { *n++ }),
		observe.Func(func(observe.PermanentFailure) { *n++ }),
		observe.Func(func(observe.MaxAttemptsExceeded) { *n++ }),
		observe.Func(func(observe.MaxUnknownAttemptsExceeded) { *n++ }),
		observe.Func(func(observe.MaxClassAttemptsExceeded) { *n++ }),
		observe.Func(func(observe.DeadlineExceeded) { *n++ }),
		observe.Func(func(observe.BudgetExhausted) { *n++ }),
		observe.Func(func(observe.Cancelled) { *n++ }),
		observe.Func(func(observe.BreakerRejected) { *n++ }),
		observe.Func(func(observe.HedgeStarted) { *n++ }),
		observe.Func(func(observe.HedgeWon) { *n++ }),
		observe.Func(func(observe.HedgeCancelled) { *n++ }),
	}
}

// sameError compares errors by their text and type: the events' errors are
// the same values, and a Cause made per call prints alike.
func sameError(a, b error) bool {
	return fmt.Sprintf("%T %v", a, a) == fmt.Sprintf("%T %v", b, b)
}

// TestSubscribeKeepsItsOwnSubscribers: changing the slice given to
// Subscribe afterwards changes nothing of the option, whether it holds one
// subscriber or several.
func TestSubscribeKeepsItsOwnSubscribers(t *testing.T) {
	for _, n := range []int{1, 3} {
		var mine, other observe.Recorder
		subs := make([]observe.Subscriber, n)
		for i := range subs {
			subs[i] = &mine
		}
		opt := retry.Subscribe(subs...)
		for i := range subs {
			subs[i] = &other
		}
		if _, err := retry.Do(context.Background(), func(context.Context) (int, error) { return 1, nil }, opt); err != nil {
			t.Fatal(err)
		}
		if got := len(mine.Events()); got != n {
			t.Errorf("Subscribe of %d: the subscribers given got %d events; want %d", n, got, n)
		}
		if got := len(other.Events()); got != 0 {
			t.Errorf("Subscribe of %d: a subscriber put in the slice afterwards got %d events; want none", n, got)
		}
	}
}
