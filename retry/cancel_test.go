package retry_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

var errShutdown = errors.New("shutting down")

func TestContextDoneBeforeTheFirstAttempt(t *testing.T) {
	tests := []struct {
		name       string
		ctx        func(context.Context) context.Context
		wantErr    *retry.Error
		wantEvents []observe.Event
	}{
		{
			name: "cancelled",
			ctx: func(ctx context.Context) context.Context {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return ctx
			},
			wantErr:    &retry.Error{Reason: retry.ErrCancelled, Cause: context.Canceled},
			wantEvents: []observe.Event{observe.Cancelled{Cause: context.Canceled}},
		},
		{
			name: "cancelled with a cause",
			ctx: func(ctx context.Context) context.Context {
				ctx, cancel := context.WithCancelCause(ctx)
				cancel(errShutdown)
				return ctx
			},
			wantErr:    &retry.Error{Reason: retry.ErrCancelled, Cause: errShutdown},
			wantEvents: []observe.Event{observe.Cancelled{Cause: errShutdown}},
		},
		{
			name: "deadline passed",
			ctx: func(ctx context.Context) context.Context {
				ctx, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
				_ = cancel // the bubble ends it
				return ctx
			},
			wantErr:    &retry.Error{Reason: retry.ErrDeadline, Cause: context.DeadlineExceeded},
			wantEvents: []observe.Event{observe.DeadlineExceeded{Cause: context.DeadlineExceeded}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := tt.ctx(t.Context())
				f := newOp()
				var rec observe.Recorder
				v, err := retry.Do(ctx, f.do, retry.Subscribe(&rec))
				if v != 0 {
					t.Errorf("Do(done ctx) = %v; want 0", v)
				}
				if f.calls() != 0 {
					t.Errorf("Do(done ctx) made %d attempts; want 0", f.calls())
				}
				if diff := diffError(tt.wantErr, err); diff != "" {
					t.Errorf("Do(done ctx) error mismatch (-want +got):\n%s", diff)
				}
				if e := asError(t, err); e.Cause != tt.wantErr.Cause {
					t.Errorf("Do(done ctx).Cause = %v; want %v", e.Cause, tt.wantErr.Cause)
				}
				if diff := diffEvents(tt.wantEvents, rec.Events()); diff != "" {
					t.Errorf("Do(done ctx) events mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestCancelDuringAWaitReturnsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(t.Context())
		time.AfterFunc(3*time.Second, func() { cancel(errShutdown) })
		f := newOp(repeat(transient, 10)...)
		var rec observe.Recorder
		start := time.Now()
		_, err := retry.Do(ctx, f.do, retry.Backoff(backoff.Constant(10*time.Second)), retry.Subscribe(&rec))
		if got := time.Since(start); got != 3*time.Second {
			t.Errorf("Do(…) returned after %v; want 3s, when ctx was cancelled", got)
		}

		want := &retry.Error{Reason: retry.ErrCancelled, Attempts: 1, Last: errReset, Class: classify.Transient, Cause: errShutdown}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		for _, target := range []error{retry.ErrCancelled, errShutdown, errReset} {
			if !errors.Is(err, target) {
				t.Errorf("errors.Is(%v, %v) = false; want true", err, target)
			}
		}
		wantEvents := []observe.Event{
			observe.Retry{Attempt: 1, Class: classify.Transient, Err: errReset, Delay: 10 * time.Second},
			observe.Cancelled{Attempt: 1, Class: classify.Transient, Err: errReset, Cause: errShutdown, Elapsed: 3 * time.Second},
		}
		if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}
		time.Sleep(time.Hour)
		if f.calls() != 1 {
			t.Errorf("Do(…) made %d attempts; want 1, none after the cancel", f.calls())
		}
	})
}

func TestCancelDuringAnAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(t.Context())
		time.AfterFunc(2*time.Second, func() { cancel(errShutdown) })
		calls := 0
		op := func(ctx context.Context) (int, error) {
			calls++
			return blockUntilDone(ctx)
		}
		var rec observe.Recorder
		_, err := retry.Do(ctx, op, retry.AttemptTimeout(time.Minute), retry.Backoff(backoff.Constant(0)), retry.Subscribe(&rec))

		// The caller's cancellation is not the attempt's own timeout: the
		// loop stops, and the error is classified as the classifier says.
		want := &retry.Error{Reason: retry.ErrCancelled, Attempts: 1, Last: context.Canceled, Class: classify.Unknown, Cause: errShutdown}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		wantEvents := []observe.Event{
			observe.Cancelled{Attempt: 1, Class: classify.Unknown, Err: context.Canceled, Cause: errShutdown, Elapsed: 2 * time.Second},
		}
		if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}
		if calls != 1 {
			t.Errorf("Do(…) made %d attempts; want 1", calls)
		}
	})
}

// The context's end wins over every other reason to stop, even a
// Permanent error of the same attempt, and the attempt's error is kept.
func TestCancelledByTheOperationKeepsItsError(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantLast  error
		wantClass classify.Class
	}{
		{"transient", transient, errReset, classify.Transient},
		{"permanent", permanent, errBad, classify.Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancelCause(t.Context())
				calls := 0
				op := func(context.Context) (int, error) {
					calls++
					cancel(errShutdown)
					return 0, tt.err
				}
				_, err := retry.Do(ctx, op, retry.Backoff(backoff.Constant(0)))
				want := &retry.Error{Reason: retry.ErrCancelled, Attempts: 1, Last: tt.wantLast, Class: tt.wantClass, Cause: errShutdown}
				if diff := diffError(want, err); diff != "" {
					t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
				}
				if calls != 1 {
					t.Errorf("Do(…) made %d attempts; want 1", calls)
				}
			})
		})
	}
}

// A subscriber may cancel the context on a Retry event; with no wait to
// notice it in, the loop must still start no further attempt.
func TestCancelInARetryHandlerStartsNoFurtherAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		f := newOp(repeat(transient, 10)...)
		stop := observe.Func(func(observe.Retry) { cancel() })
		_, err := retry.Do(ctx, f.do, retry.Backoff(backoff.Constant(0)), retry.Subscribe(stop))
		want := &retry.Error{Reason: retry.ErrCancelled, Attempts: 1, Last: errReset, Class: classify.Transient, Cause: context.Canceled}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		if f.calls() != 1 {
			t.Errorf("Do(…) made %d attempts; want 1", f.calls())
		}
	})
}

// When the timer fires and ctx is done at the same instant, ctx wins: no
// further attempt.
func TestContextWinsWhenTimerAndContextAreBothReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := stoppedCtx{t.Context(), time.Now().Add(5 * time.Second)}
		f := newOp(repeat(transient, 10)...)
		var rec observe.Recorder
		_, err := retry.Do(ctx, f.do, retry.Backoff(backoff.Constant(5*time.Second)), retry.Subscribe(&rec))
		want := &retry.Error{Reason: retry.ErrCancelled, Attempts: 1, Last: errReset, Class: classify.Transient, Cause: context.Canceled}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		wantEvents := []observe.Event{
			observe.Retry{Attempt: 1, Class: classify.Transient, Err: errReset, Delay: 5 * time.Second},
			observe.Cancelled{Attempt: 1, Class: classify.Transient, Err: errReset, Cause: context.Canceled, Elapsed: 5 * time.Second},
		}
		if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}
		if f.calls() != 1 {
			t.Errorf("Do(…) made %d attempts; want 1", f.calls())
		}
	})
}
