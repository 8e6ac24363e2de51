package otelobserve_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/observe/otelobserve"
	"github.com/reflexio-go/reflexio/retry"
)

// event is a span event as the tests compare it: its name and its
// attributes as key=value, in order.
type event struct {
	Name  string
	Attrs []string
}

// spanEvents runs f with a context whose span records, and returns the
// events that the span got.
func spanEvents(t *testing.T, f func(ctx context.Context)) []event {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	ctx, span := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr)).Tracer("test").Start(t.Context(), "handler")
	f(ctx)
	span.End()
	var events []event
	for _, e := range sr.Ended()[0].Events() {
		ev := event{Name: e.Name}
		for _, kv := range e.Attributes {
			ev.Attrs = append(ev.Attrs, string(kv.Key)+"="+kv.Value.String())
		}
		events = append(events, ev)
	}
	return events
}

func TestSpanEventsOfScriptedCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		got := spanEvents(t, func(ctx context.Context) { script(ctx, otelobserve.SpanEvents{}) })
		want := []event{
			{"reflexio.retry", []string{"reflexio.operation.name=users.get", "reflexio.attempt=1", "error.type=Transient", "reflexio.error.message=connection reset", "reflexio.delay=1"}},
			{"reflexio.retry", []string{"reflexio.operation.name=users.get", "reflexio.attempt=2", "error.type=Transient", "reflexio.error.message=connection reset", "reflexio.delay=1"}},
			{"reflexio.success", []string{"reflexio.operation.name=users.get", "reflexio.attempt=3"}},

			{"reflexio.permanent_failure", []string{"reflexio.operation.name=users.get", "reflexio.attempt=1", "error.type=Permanent", "reflexio.error.message=bad request"}},

			{"reflexio.retry", []string{"reflexio.operation.name=orders.list", "reflexio.attempt=1", "error.type=ServerError", "reflexio.error.message=internal error", "reflexio.delay=1"}},
			{"reflexio.max_attempts_exceeded", []string{"reflexio.operation.name=orders.list", "reflexio.attempt=2", "error.type=ServerError", "reflexio.error.message=internal error"}},

			{"reflexio.retry", []string{"reflexio.operation.name=orders.list", "reflexio.attempt=1", "error.type=Transient", "reflexio.error.message=connection reset", "reflexio.delay=1"}},
			{"reflexio.budget_exhausted", []string{"reflexio.operation.name=orders.list", "reflexio.attempt=2", "error.type=Transient", "reflexio.error.message=connection reset", "reflexio.delay=1"}},

			{"reflexio.cancelled", []string{"reflexio.operation.name=orders.list", "reflexio.attempt=0"}},

			{"reflexio.retry", []string{"reflexio.operation.name=orders.list", "reflexio.attempt=1", "error.type=Transient", "reflexio.error.message=connection reset", "reflexio.delay=1"}},
			{"reflexio.deadline_exceeded", []string{"reflexio.operation.name=orders.list", "reflexio.attempt=2", "error.type=Transient", "reflexio.error.message=connection reset", "reflexio.delay=1"}},

			{"reflexio.retry", []string{"reflexio.attempt=1", "error.type=Unknown", "reflexio.error.message=odd", "reflexio.delay=1"}},
			{"reflexio.max_unknown_attempts_exceeded", []string{"reflexio.attempt=2", "error.type=Unknown", "reflexio.error.message=odd"}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("span events (-want +got):\n%s", diff)
		}
	})
}

func TestSpanEventsLeaveACallThatSucceedsAtOnceOut(t *testing.T) {
	got := spanEvents(t, func(ctx context.Context) {
		_ = retry.Run(ctx, failing(), retry.Name("users.get"), retry.Subscribe(otelobserve.SpanEvents{}))
	})
	if got != nil {
		t.Errorf("span events = %v; want none", got)
	}
}

func TestSpanEventsWithoutASpan(t *testing.T) {
	// Nothing to write to, and nothing breaks.
	otelobserve.SpanEvents{}.Handle(t.Context(), observe.Retry{Operation: "users.get", Attempt: 1})
}

func TestSpanEventsTakesEveryKindOfACall(t *testing.T) {
	var s otelobserve.SpanEvents
	if got, want := observe.KindsOf(s), observe.All&^observe.SetOf(observe.KindBreakerStateChange); got != want {
		t.Errorf("KindsOf(SpanEvents) = %v; want %v", got, want)
	}
	if got, want := s.String(), "otelobserve.SpanEvents"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}

func TestSpanEventsOfABreaker(t *testing.T) {
	got := spanEvents(t, func(ctx context.Context) {
		var s otelobserve.SpanEvents
		s.Handle(ctx, observe.BreakerRejected{Operation: "users.get", Attempt: 1, Breaker: "users", Wait: 2 * time.Second})
		// A change of state belongs to no call: not on the span, even if
		// handed to it.
		s.Handle(ctx, observe.BreakerStateChange{Breaker: "users", From: observe.BreakerClosed, To: observe.BreakerOpen, Reason: observe.BreakerFailureRatio})
	})
	want := []event{
		{"reflexio.breaker_rejected", []string{"reflexio.operation.name=users.get", "reflexio.attempt=1", "reflexio.delay=2", "reflexio.breaker.name=users"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("span events (-want +got):\n%s", diff)
	}
}
