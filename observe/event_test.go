package observe_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

var (
	errReset  = errors.New("connection reset")
	errDenied = errors.New("permission denied")
	errStop   = errors.New("shutting down")

	breakerUntil = time.Date(2026, 12, 7, 0, 0, 5, 0, time.UTC)
)

// events returns one event of each type, fields filled in, in the order of
// the kinds.
func events() []observe.Event {
	return []observe.Event{
		observe.Success{Operation: "users.get", Attempt: 3, Elapsed: 750 * time.Millisecond},
		observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset, Delay: 250 * time.Millisecond, Elapsed: 10 * time.Millisecond},
		observe.PermanentFailure{Operation: "users.get", Attempt: 2, Class: classify.Permanent, Err: errDenied, Elapsed: time.Second},
		observe.MaxAttemptsExceeded{Operation: "users.get", Attempt: 6, Class: classify.ServerError, Err: errReset, Elapsed: 9 * time.Second},
		observe.MaxUnknownAttemptsExceeded{Operation: "users.get", Attempt: 2, Class: classify.Unknown, Err: errReset, Elapsed: 300 * time.Millisecond},
		observe.MaxClassAttemptsExceeded{Operation: "users.get", Attempt: 4, Class: classify.RateLimit, Err: errReset, Elapsed: 5 * time.Second},
		observe.DeadlineExceeded{Operation: "users.get", Attempt: 5, Class: classify.Transient, Err: errReset, Delay: 2 * time.Second, Elapsed: 29 * time.Second},
		observe.Cancelled{Operation: "users.get", Attempt: 2, Class: classify.Transient, Err: errReset, Cause: errStop, Elapsed: 400 * time.Millisecond},
		observe.BudgetExhausted{Operation: "users.get", Attempt: 1, Class: classify.ServerError, Err: errReset, Delay: 300 * time.Millisecond, Elapsed: 20 * time.Millisecond},
		observe.BreakerStateChange{Breaker: "users", From: observe.BreakerClosed, To: observe.BreakerOpen, Reason: observe.BreakerFailureRatio, Until: breakerUntil, Break: 5 * time.Second, Failures: 12, Calls: 20},
		observe.BreakerRejected{Operation: "users.get", Attempt: 1, Breaker: "users", Until: breakerUntil, Wait: 2 * time.Second, Elapsed: 30 * time.Millisecond},
		observe.HedgeStarted{Operation: "users.get", Attempt: 2, InFlight: 2, Elapsed: 50 * time.Millisecond},
		observe.HedgeWon{Operation: "users.get", Attempt: 2, Hedge: true, Elapsed: 60 * time.Millisecond},
		observe.HedgeCancelled{Operation: "users.get", Attempt: 2, Losers: 1, Elapsed: 60 * time.Millisecond},
	}
}

func TestEventKind(t *testing.T) {
	tests := []struct {
		e    observe.Event
		want observe.Kind
	}{
		{observe.Success{}, observe.KindSuccess},
		{observe.Retry{}, observe.KindRetry},
		{observe.PermanentFailure{}, observe.KindPermanentFailure},
		{observe.MaxAttemptsExceeded{}, observe.KindMaxAttemptsExceeded},
		{observe.MaxUnknownAttemptsExceeded{}, observe.KindMaxUnknownAttemptsExceeded},
		{observe.MaxClassAttemptsExceeded{}, observe.KindMaxClassAttemptsExceeded},
		{observe.DeadlineExceeded{}, observe.KindDeadlineExceeded},
		{observe.Cancelled{}, observe.KindCancelled},
		{observe.BudgetExhausted{}, observe.KindBudgetExhausted},
		{observe.BreakerStateChange{}, observe.KindBreakerStateChange},
		{observe.BreakerRejected{}, observe.KindBreakerRejected},
		{observe.HedgeStarted{}, observe.KindHedgeStarted},
		{observe.HedgeWon{}, observe.KindHedgeWon},
		{observe.HedgeCancelled{}, observe.KindHedgeCancelled},
	}
	var seen observe.Set
	for _, tt := range tests {
		if got := tt.e.Kind(); got != tt.want {
			t.Errorf("%T.Kind() = %v; want %v", tt.e, got, tt.want)
		}
		if seen.Has(tt.want) {
			t.Errorf("%T.Kind() = %v, the kind of another event type", tt.e, tt.want)
		}
		seen |= observe.SetOf(tt.want)
	}
	if seen != observe.All {
		t.Errorf("kinds of the event types = %v; want All = %v", seen, observe.All)
	}
}

// TestEventsHelper keeps events() honest: one event per kind, in order.
func TestEventsHelper(t *testing.T) {
	for i, e := range events() {
		if got, want := e.Kind(), observe.Kind(i+1); got != want {
			t.Errorf("events()[%d].Kind() = %v; want %v", i, got, want)
		}
	}
}

func TestInfoOf(t *testing.T) {
	want := []observe.Info{
		{Operation: "users.get", Attempt: 3, Elapsed: 750 * time.Millisecond},
		{Operation: "users.get", Attempt: 1, Elapsed: 10 * time.Millisecond, Failed: true, Class: classify.Transient, Err: errReset, Delay: 250 * time.Millisecond},
		{Operation: "users.get", Attempt: 2, Elapsed: time.Second, Failed: true, Class: classify.Permanent, Err: errDenied},
		{Operation: "users.get", Attempt: 6, Elapsed: 9 * time.Second, Failed: true, Class: classify.ServerError, Err: errReset},
		{Operation: "users.get", Attempt: 2, Elapsed: 300 * time.Millisecond, Failed: true, Class: classify.Unknown, Err: errReset},
		{Operation: "users.get", Attempt: 4, Elapsed: 5 * time.Second, Failed: true, Class: classify.RateLimit, Err: errReset},
		{Operation: "users.get", Attempt: 5, Elapsed: 29 * time.Second, Failed: true, Class: classify.Transient, Err: errReset, Delay: 2 * time.Second},
		{Operation: "users.get", Attempt: 2, Elapsed: 400 * time.Millisecond, Failed: true, Class: classify.Transient, Err: errReset, Cause: errStop},
		{Operation: "users.get", Attempt: 1, Elapsed: 20 * time.Millisecond, Failed: true, Class: classify.ServerError, Err: errReset, Delay: 300 * time.Millisecond},
		{}, // a BreakerStateChange belongs to no call
		{Operation: "users.get", Attempt: 1, Elapsed: 30 * time.Millisecond, Delay: 2 * time.Second},
		{Operation: "users.get", Attempt: 2, Elapsed: 50 * time.Millisecond},
		{Operation: "users.get", Attempt: 2, Elapsed: 60 * time.Millisecond},
		{Operation: "users.get", Attempt: 2, Elapsed: 60 * time.Millisecond},
	}
	var got []observe.Info
	for _, e := range events() {
		got = append(got, observe.InfoOf(e))
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("InfoOf of every event (-want +got):\n%s", diff)
	}

	// Before any attempt, there is no failure to tell of.
	for _, e := range []observe.Event{
		observe.DeadlineExceeded{Operation: "q", Cause: errStop},
		observe.Cancelled{Operation: "q", Cause: errStop},
	} {
		if info := observe.InfoOf(e); info.Failed || info.Cause != errStop {
			t.Errorf("InfoOf(%#v) = %+v; want Failed false and the cause", e, info)
		}
	}
}

// InfoOf keeps Rejected for every event that carries it.
func TestInfoOfKeepsRejected(t *testing.T) {
	events := []observe.Event{
		observe.Retry{Rejected: true}, observe.PermanentFailure{Rejected: true}, observe.MaxAttemptsExceeded{Rejected: true},
		observe.MaxUnknownAttemptsExceeded{Rejected: true}, observe.MaxClassAttemptsExceeded{Rejected: true},
		observe.DeadlineExceeded{Rejected: true}, observe.BudgetExhausted{Rejected: true}, observe.Cancelled{Rejected: true},
	}
	for _, e := range events {
		if !observe.InfoOf(e).Rejected {
			t.Errorf("observe.InfoOf(%T).Rejected = false; want true", e)
		}
	}
}
