package otelobserve

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/reflexio-go/reflexio/observe"
)

// The attribute keys that only span events have.
const (
	// AttemptKey is the attempt the event tells of, counted from 1; 0 on an
	// event that ended a call before its first attempt.
	AttemptKey = attribute.Key("reflexio.attempt")

	// DelayKey is the wait before the next attempt, in seconds: the wait
	// of a retry, or the wait that a budget refused or that would not have
	// ended before the deadline.
	DelayKey = attribute.Key("reflexio.delay")

	// ErrorMessageKey is the failed attempt's error, as its Error method
	// writes it.
	ErrorMessageKey = attribute.Key("reflexio.error.message")
)

// SpanEvents is a Subscriber that writes the course of each retried call as
// events on the span that is active in the call's context (the one that
// trace.SpanFromContext returns), if it is recording: one event per retry,
// and one for the end of the call. A call that succeeds at its first
// attempt writes nothing.
//
// Each event is named "reflexio." followed by its kind, such as
// "reflexio.retry" or "reflexio.max_attempts_exceeded", and has the
// attributes OperationKey (if the call has a name), AttemptKey,
// semconv.ErrorTypeKey and ErrorMessageKey (the class and error of the
// failed attempt, if one failed), and DelayKey (if the event has a wait).
// An attempt that an open circuit breaker refused is an event
// "reflexio.breaker_rejected" with BreakerKey too, and DelayKey its wait.
// A breaker's changes of state belong to no call's span: SpanEvents does
// not take them.
//
// The zero value is ready to use, and safe for concurrent use.
type SpanEvents struct{}

// Handle adds e to the span in ctx.
func (SpanEvents) Handle(ctx context.Context, e observe.Event) {
	if s, ok := e.(observe.Success); ok && s.Attempt <= 1 {
		return // nothing to tell: the call was not retried
	}
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	f, ok := fieldsOf(e)
	if !ok || e.Kind() == observe.KindBreakerStateChange {
		return
	}
	kvs := make([]attribute.KeyValue, 0, 6)
	if f.Operation != "" {
		kvs = append(kvs, OperationKey.String(f.Operation))
	}
	kvs = append(kvs, AttemptKey.Int(f.Attempt))
	if f.Failed {
		kvs = append(kvs, semconv.ErrorTypeKey.String(f.Class.String()))
		if f.Err != nil {
			kvs = append(kvs, ErrorMessageKey.String(f.Err.Error()))
		}
	}
	if k := e.Kind(); f.Delay > 0 || k == observe.KindRetry || k == observe.KindBudgetExhausted || k == observe.KindBreakerRejected {
		kvs = append(kvs, DelayKey.Float64(f.Delay.Seconds()))
	}
	if r, ok := e.(observe.BreakerRejected); ok && r.Breaker != "" {
		kvs = append(kvs, BreakerKey.String(r.Breaker))
	}
	span.AddEvent(eventNames[e.Kind()], trace.WithAttributes(kvs...))
}

// Kinds returns every kind of event but BreakerStateChange, which belongs
// to no call.
func (SpanEvents) Kinds() observe.Set { return kinds &^ observe.SetOf(observe.KindBreakerStateChange) }

// String returns "otelobserve.SpanEvents".
func (SpanEvents) String() string { return "otelobserve.SpanEvents" }

// eventNames are the span events' names, by kind, made once. A Set has a
// bit per kind, so 32 kinds at most.
var eventNames = func() (names [32]string) {
	for k := range observe.Kind(len(names)) {
		if kinds.Has(k) {
			names[k] = "reflexio." + k.String()
		}
	}
	return names
}()

var _ observe.Selective = SpanEvents{}
