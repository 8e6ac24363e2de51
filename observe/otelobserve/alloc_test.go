package otelobserve_test

import (
	"context"
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
