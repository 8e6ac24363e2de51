package retry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

func TestErrorText(t *testing.T) {
	refused := errors.New("connection refused")
	tests := []struct {
		err  *retry.Error
		want string
	}{
		{
			&retry.Error{Reason: retry.ErrMaxAttempts, Attempts: 5, Last: refused, Class: classify.Transient},
			"retry: max attempts reached after 5 attempts: connection refused",
		},
		{
			&retry.Error{Attempts: 2, Last: refused}, // made by hand, without a reason
			"retry: gave up after 2 attempts: connection refused",
		},
		{
			&retry.Error{Reason: retry.ErrPermanent, Attempts: 1, Last: errBad, Class: classify.Permanent},
			"retry: permanent error after 1 attempt: bad request",
		},
		{
			&retry.Error{Reason: retry.ErrMaxUnknownAttempts, Attempts: 2, Last: errMystery},
			"retry: max unknown attempts reached after 2 attempts: mystery",
		},
		{
			&retry.Error{Reason: retry.ErrMaxClassAttempts, Attempts: 3, Last: errBusy, Class: classify.RateLimit},
			"retry: max attempts for class reached after 3 attempts: too many requests",
		},
		{
			&retry.Error{Reason: retry.ErrDeadline, Attempts: 4, Last: refused, Class: classify.Transient},
			"retry: deadline exceeded after 4 attempts: connection refused",
		},
		{
			&retry.Error{Reason: retry.ErrDeadline, Cause: context.DeadlineExceeded},
			"retry: deadline exceeded before the first attempt: context deadline exceeded",
		},
		{
			&retry.Error{Reason: retry.ErrCancelled, Cause: context.Canceled},
			"retry: cancelled before the first attempt: context canceled",
		},
		{
			&retry.Error{Reason: retry.ErrCancelled, Attempts: 2, Last: errReset, Class: classify.Transient, Cause: errShutdown},
			"retry: cancelled after 2 attempts: shutting down; last error: connection reset",
		},
		{
			&retry.Error{Reason: retry.ErrDeadline},
			"retry: deadline exceeded before the first attempt",
		},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
	}
}

func TestErrorUnwrap(t *testing.T) {
	tests := []struct {
		name string
		err  *retry.Error
		want []error
	}{
		{"reason only", &retry.Error{Reason: retry.ErrDeadline}, []error{retry.ErrDeadline}},
		{"reason and last", &retry.Error{Reason: retry.ErrMaxAttempts, Attempts: 1, Last: errReset}, []error{retry.ErrMaxAttempts, errReset}},
		{"reason and cause", &retry.Error{Reason: retry.ErrCancelled, Cause: errShutdown}, []error{retry.ErrCancelled, errShutdown}},
		{"reason, cause and last", &retry.Error{Reason: retry.ErrCancelled, Attempts: 1, Last: errReset, Cause: errShutdown}, []error{retry.ErrCancelled, errShutdown, errReset}},
	}
	same := cmp.Comparer(func(a, b error) bool { return a == b })
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.err.Unwrap(), same); diff != "" {
			t.Errorf("%s: Unwrap() mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestErrorIsEverySentinel(t *testing.T) {
	reasons := []error{
		retry.ErrPermanent, retry.ErrMaxAttempts, retry.ErrMaxUnknownAttempts,
		retry.ErrMaxClassAttempts, retry.ErrDeadline, retry.ErrCancelled,
		retry.ErrBudgetExhausted,
	}
	for _, reason := range reasons {
		err := error(&retry.Error{Reason: reason, Attempts: 1, Last: errReset})
		for _, target := range append(reasons, retry.ErrInvalidOption) {
			if got, want := errors.Is(err, target), target == reason; got != want {
				t.Errorf("errors.Is(%v, %v) = %v; want %v", err, target, got, want)
			}
		}
		if !errors.Is(err, errReset) {
			t.Errorf("errors.Is(%v, %v) = false; want true", err, errReset)
		}
		if got, want := errors.Is(err, context.DeadlineExceeded), reason == retry.ErrDeadline; got != want {
			t.Errorf("errors.Is(%v, context.DeadlineExceeded) = %v; want %v", err, got, want)
		}
	}
}

func TestErrorCause(t *testing.T) {
	err := error(&retry.Error{Reason: retry.ErrCancelled, Attempts: 1, Last: errReset, Cause: context.Canceled})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(%v, context.Canceled) = false; want true, through Cause", err)
	}
	// The reason alone does not claim a context error.
	if errors.Is(retry.ErrCancelled, context.Canceled) {
		t.Errorf("errors.Is(ErrCancelled, context.Canceled) = true; want false")
	}
	if !errors.Is(retry.ErrDeadline, context.DeadlineExceeded) {
		t.Errorf("errors.Is(ErrDeadline, context.DeadlineExceeded) = false; want true")
	}
	if errors.Is(context.DeadlineExceeded, retry.ErrDeadline) {
		t.Errorf("errors.Is(context.DeadlineExceeded, ErrDeadline) = true; want false")
	}
}

// errors.As finds the operation's own type through an *Error, whichever
// reason stopped the call.
func TestErrorAsFindsTheOperationsType(t *testing.T) {
	busy := &statusError{429}
	err := retry.Run(context.Background(), func(context.Context) error { return busy },
		retry.MaxAttempts(1))
	got, ok := errors.AsType[*statusError](err)
	if !ok || got != busy {
		t.Errorf("errors.As(%v, *statusError) = %v, %v; want %v, true", err, got, ok, busy)
	}
	if e := asError(t, err); e.Reason != retry.ErrMaxAttempts || e.Class != classify.RateLimit {
		t.Errorf("Run(…) = %+v; want Reason %v, Class RateLimit", e, retry.ErrMaxAttempts)
	}
}
