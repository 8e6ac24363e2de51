package otelobserve_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/observe/otelobserve"
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
	m, _ := newMetrics(t)
	var retried observe.Event = observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second}
	var refused observe.Event = observe.BudgetExhausted{Operation: "users.get", Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second}
	var succeeded observe.Event = observe.Success{Operation: "users.get", Attempt: 1}
	wantAllocs(t, "Metrics.Handle(Retry)", 0, func() { m.Handle(ctx, retried) })
	wantAllocs(t, "Metrics.Handle(BudgetExhausted)", 0, func() { m.Handle(ctx, refused) })
	wantAllocs(t, "Metrics.Handle(Success)", 0, func() { m.Handle(ctx, succeeded) })
	var rejected observe.Event = observe.BreakerRejected{Operation: "users.get", Attempt: 1, Breaker: "users", Wait: time.Second}
	wantAllocs(t, "Metrics.Handle(BreakerRejected)", 0, func() { m.Handle(ctx, rejected) })

	// Nor with a sampled span in the context, which exemplars may use.
	sampled, span := sdktrace.NewTracerProvider().Tracer("").Start(ctx, "handler")
	defer span.End()
	wantAllocs(t, "Metrics.Handle(Retry) with a sampled span", 0, func() { m.Handle(sampled, retried) })
	wantAllocs(t, "Metrics.Handle(Success) with a sampled span", 0, func() { m.Handle(sampled, succeeded) })

	// A span that records nothing costs nothing.
	unsampled, unsampledSpan := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample())).Tracer("").Start(ctx, "handler")
	defer unsampledSpan.End()
	var s otelobserve.SpanEvents
	wantAllocs(t, "SpanEvents.Handle without a span", 0, func() { s.Handle(ctx, retried) })
	wantAllocs(t, "SpanEvents.Handle with a span that records nothing", 0, func() { s.Handle(unsampled, retried) })
}

func BenchmarkMetricsHandle(b *testing.B) {
	r := sdkmetric.NewManualReader()
	m, err := otelobserve.NewMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var retried observe.Event = observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second}
	var succeeded observe.Event = observe.Success{Operation: "users.get", Attempt: 2, Elapsed: time.Second}
	b.ReportAllocs()
	for b.Loop() {
		m.Handle(ctx, retried)
		m.Handle(ctx, succeeded)
	}
}

// everyKind returns one event of every kind the loop and the breakers
// send, and of the kinds that end a call, one with and one without an
// attempt made.
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

// "Recording an event allocates nothing once its attribute set has been
// seen" (the Metrics' doc; the package's Cost), for every kind of event
// but the hedging ones and BreakerStateChange, whose attribute sets the
// docs say are made for each event, which allocates; and "SpanEvents costs
// nothing when the span does not record (or there is none)", for every
// kind. A kind added to package observe fails the test until it is in
// everyKind.
func TestHandleOfEveryKindAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	m, _ := newMetrics(t)
	var s otelobserve.SpanEvents
	unsampled, span := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample())).Tracer("").Start(ctx, "handler")
	defer span.End()
	allocating := observe.SetOf(observe.KindHedgeStarted, observe.KindHedgeWon, observe.KindHedgeCancelled, observe.KindBreakerStateChange)
	var seen observe.Set
	for _, e := range everyKind() {
		seen |= observe.SetOf(e.Kind())
		name := fmt.Sprintf("(%T after %d attempts)", e, observe.InfoOf(e).Attempt)
		if !allocating.Has(e.Kind()) {
			wantAllocs(t, "Metrics.Handle"+name, 0, func() { m.Handle(ctx, e) })
		}
		wantAllocs(t, "SpanEvents.Handle without a span"+name, 0, func() { s.Handle(ctx, e) })
		wantAllocs(t, "SpanEvents.Handle with a span that records nothing"+name, 0, func() { s.Handle(unsampled, e) })
	}
	if missing := observe.All &^ seen; missing != 0 {
		t.Errorf("everyKind has no event of the kinds %v", missing)
	}
}
