package promobserve_test

import (
	"context"
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
