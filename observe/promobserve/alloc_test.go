package promobserve_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/observe/promobserve"
)

func wantAllocs(t *testing.T, name string, want float64, f func()) {
	t.Helper()
	if got := testing.AllocsPerRun(100, f); got != want {
		t.Errorf("%s: %v allocations per run; want %v", name, got, want)
	}
}

func TestHandleAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	s, _ := newSubscriber(t)
	var (
		retried   observe.Event = observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second}
		refused   observe.Event = observe.BudgetExhausted{Operation: "users.get", Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second}
		succeeded observe.Event = observe.Success{Operation: "users.get", Attempt: 1}
		rejected  observe.Event = observe.BreakerRejected{Operation: "users.get", Attempt: 1, Breaker: "users", Wait: time.Second}
	)
	wantAllocs(t, "Handle(Retry)", 0, func() { s.Handle(ctx, retried) })
	wantAllocs(t, "Handle(BudgetExhausted)", 0, func() { s.Handle(ctx, refused) })
	wantAllocs(t, "Handle(Success)", 0, func() { s.Handle(ctx, succeeded) })
	wantAllocs(t, "Handle(BreakerRejected)", 0, func() { s.Handle(ctx, rejected) })
}

func BenchmarkHandle(b *testing.B) {
	s, err := promobserve.New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var (
		retried   observe.Event = observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second}
		succeeded observe.Event = observe.Success{Operation: "users.get", Attempt: 2, Elapsed: time.Second}
	)
	b.ReportAllocs()
	for b.Loop() {
		s.Handle(ctx, retried)
		s.Handle(ctx, succeeded)
	}
}

// everyKind returns one event of every kind that the loop and the
// breakers send, those that end a call both with and without an attempt
// made.
func everyKind() []observe.Event {
	const op = "users.get"
	return []observe.Event{
		observe.Success{Operation: op, Attempt: 2, Elapsed: time.Second},
		observe.Retry{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second},
		observe.PermanentFailure{Operation: op, Attempt: 2, Class: classify.Permanent, Err: errBad, Elapsed: time.Second},
		observe.MaxAttemptsExceeded{Operation: op, Attempt: 5, Class: classify.ServerError, Err: errInternal, Elapsed: time.Second},
		observe.MaxUnknownAttemptsExceeded{Operation: op, Attempt: 2, Class: classify.Unknown, Err: errOdd, Elapsed: time.Second},
		observe.MaxClassAttemptsExceeded{Operation: op, Attempt: 2, Class: classify.Concurrency, Err: errOdd, Elapsed: time.Second},
		observe.DeadlineExceeded{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second},
		observe.DeadlineExceeded{Operation: op, Class: classify.Unknown, Cause: context.DeadlineExceeded, Elapsed: time.Second},
		observe.Cancelled{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Cause: context.Canceled, Elapsed: time.Second},
		observe.Cancelled{Operation: op, Class: classify.Unknown, Cause: context.Canceled},
		observe.BudgetExhausted{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second},
		observe.BreakerStateChange{Breaker: "users", From: observe.BreakerClosed, To: observe.BreakerOpen, Reason: observe.BreakerFailureRatio, Break: time.Second, Failures: 5, Calls: 10},
		observe.BreakerRejected{Operation: op, Attempt: 1, Breaker: "users", Wait: time.Second},
		observe.HedgeStarted{Operation: op, Attempt: 2, InFlight: 1, Elapsed: time.Second},
		observe.HedgeWon{Operation: op, Attempt: 2, Hedge: true, Elapsed: time.Second},
		observe.HedgeCancelled{Operation: op, Attempt: 2, Losers: 1, Elapsed: time.Second},
	}
}

// "Recording an event allocates nothing once its series exist" (the
// Subscriber's doc and the package's Cost), for every kind of event but
// the hedging ones, whose series the package's doc says are looked up each
// time, which allocates. A kind added to package observe fails the test
// until it is in everyKind.
func TestHandleOfEveryKindAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	s, _ := newSubscriber(t)
	allocating := observe.SetOf(observe.KindHedgeStarted, observe.KindHedgeWon, observe.KindHedgeCancelled)
	var seen observe.Set
	for _, e := range everyKind() {
		seen |= observe.SetOf(e.Kind())
		if !allocating.Has(e.Kind()) {
			wantAllocs(t, fmt.Sprintf("Handle(%T after %d attempts)", e, observe.InfoOf(e).Attempt), 0, func() { s.Handle(ctx, e) })
		}
	}
	if missing := observe.All &^ seen; missing != 0 {
		t.Errorf("everyKind has no event of the kinds %v", missing)
	}
}
