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

// TestDo runs the loop through scripted failures on a fake clock and checks
// everything it does: the value and error it returns, the events it sends,
// when each attempt starts and how long the call takes.
func TestDo(t *testing.T) {
	const op = "users.get"
	notFound := &statusError{404}
	second := backoff.Constant(time.Second)
	tests := []struct {
		name        string
		errs        []error // of each attempt; success after them
		opts        []retry.Option
		want        int
		wantErr     *retry.Error
		wantEvents  []observe.Event
		wantAt      []time.Duration // when each attempt starts
		wantElapsed time.Duration   // when Do returns
	}{
		{
			name:       "success first time",
			want:       42,
			wantEvents: []observe.Event{observe.Success{Operation: op, Attempt: 1}},
			wantAt:     seconds(0),
		},
		{
			name: "success after two failures",
			errs: []error{transient, transient},
			opts: []retry.Option{retry.Backoff(second)},
			want: 42,
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second},
				observe.Retry{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second},
				observe.Success{Operation: op, Attempt: 3, Elapsed: 2 * time.Second},
			},
			wantAt:      seconds(0, 1, 2),
			wantElapsed: 2 * time.Second,
		},
		{
			name:    "MaxAttempts(3) makes exactly 3 attempts and does not wait after the last",
			errs:    repeat(transient, 10),
			opts:    []retry.Option{retry.MaxAttempts(3), retry.Backoff(second)},
			wantErr: &retry.Error{Reason: retry.ErrMaxAttempts, Attempts: 3, Last: errReset, Class: classify.Transient},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second},
				observe.Retry{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second},
				observe.MaxAttemptsExceeded{Operation: op, Attempt: 3, Class: classify.Transient, Err: errReset, Elapsed: 2 * time.Second},
			},
			wantAt:      seconds(0, 1, 2),
			wantElapsed: 2 * time.Second,
		},
		{
			name:    "MaxAttempts(1) never retries",
			errs:    repeat(transient, 10),
			opts:    []retry.Option{retry.MaxAttempts(1), retry.Backoff(second)},
			wantErr: &retry.Error{Reason: retry.ErrMaxAttempts, Attempts: 1, Last: errReset, Class: classify.Transient},
			wantEvents: []observe.Event{
				observe.MaxAttemptsExceeded{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset},
			},
			wantAt: seconds(0),
		},
		{
			name:    "default attempt cap is 6",
			errs:    repeat(transient, 10),
			opts:    []retry.Option{retry.Backoff(second)},
			wantErr: &retry.Error{Reason: retry.ErrMaxAttempts, Attempts: 6, Last: errReset, Class: classify.Transient},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second},
				observe.Retry{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: 1 * time.Second},
				observe.Retry{Operation: op, Attempt: 3, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: 2 * time.Second},
				observe.Retry{Operation: op, Attempt: 4, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: 3 * time.Second},
				observe.Retry{Operation: op, Attempt: 5, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: 4 * time.Second},
				observe.MaxAttemptsExceeded{Operation: op, Attempt: 6, Class: classify.Transient, Err: errReset, Elapsed: 5 * time.Second},
			},
			wantAt:      seconds(0, 1, 2, 3, 4, 5),
			wantElapsed: 5 * time.Second,
		},
		{
			name:    "default cap of 2 Unknown failures allows exactly 2",
			errs:    repeat(unknown, 10),
			opts:    []retry.Option{retry.Backoff(second)},
			wantErr: &retry.Error{Reason: retry.ErrMaxUnknownAttempts, Attempts: 2, Last: errMystery, Class: classify.Unknown},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Unknown, Err: errMystery, Delay: time.Second},
				observe.MaxUnknownAttemptsExceeded{Operation: op, Attempt: 2, Class: classify.Unknown, Err: errMystery, Elapsed: time.Second},
			},
			wantAt:      seconds(0, 1),
			wantElapsed: time.Second,
		},
		{
			name:    "MaxUnknownAttempts(3) counts only the Unknown failures among Transient ones",
			errs:    []error{unknown, transient, unknown, transient, unknown, transient},
			opts:    []retry.Option{retry.MaxUnknownAttempts(3), retry.MaxAttempts(10), retry.Backoff(second)},
			wantErr: &retry.Error{Reason: retry.ErrMaxUnknownAttempts, Attempts: 5, Last: errMystery, Class: classify.Unknown},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Unknown, Err: errMystery, Delay: time.Second},
				observe.Retry{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: 1 * time.Second},
				observe.Retry{Operation: op, Attempt: 3, Class: classify.Unknown, Err: errMystery, Delay: time.Second, Elapsed: 2 * time.Second},
				observe.Retry{Operation: op, Attempt: 4, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: 3 * time.Second},
				observe.MaxUnknownAttemptsExceeded{Operation: op, Attempt: 5, Class: classify.Unknown, Err: errMystery, Elapsed: 4 * time.Second},
			},
			wantAt:      seconds(0, 1, 2, 3, 4),
			wantElapsed: 4 * time.Second,
		},
		{
			name:    "MaxAttemptsFor(Unknown, 1) is MaxUnknownAttempts(1)",
			errs:    repeat(unknown, 10),
			opts:    []retry.Option{retry.MaxAttemptsFor(classify.Unknown, 1)},
			wantErr: &retry.Error{Reason: retry.ErrMaxUnknownAttempts, Attempts: 1, Last: errMystery, Class: classify.Unknown},
			wantEvents: []observe.Event{
				observe.MaxUnknownAttemptsExceeded{Operation: op, Attempt: 1, Class: classify.Unknown, Err: errMystery},
			},
			wantAt: seconds(0),
		},
		{
			name:    "MaxAttemptsFor(RateLimit, 2) stops at the second rate limit",
			errs:    []error{rateLimit, transient, rateLimit, transient},
			opts:    []retry.Option{retry.MaxAttemptsFor(classify.RateLimit, 2), retry.Backoff(second)},
			wantErr: &retry.Error{Reason: retry.ErrMaxClassAttempts, Attempts: 3, Last: errBusy, Class: classify.RateLimit},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.RateLimit, Err: errBusy, Delay: time.Second},
				observe.Retry{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second},
				observe.MaxClassAttemptsExceeded{Operation: op, Attempt: 3, Class: classify.RateLimit, Err: errBusy, Elapsed: 2 * time.Second},
			},
			wantAt:      seconds(0, 1, 2),
			wantElapsed: 2 * time.Second,
		},
		{
			name: "a class cap leaves the other classes alone",
			errs: []error{rateLimit, transient, transient, transient},
			opts: []retry.Option{retry.MaxAttemptsFor(classify.RateLimit, 1), retry.Backoff(second)},
			// The first failure is the one RateLimit failure allowed.
			wantErr: &retry.Error{Reason: retry.ErrMaxClassAttempts, Attempts: 1, Last: errBusy, Class: classify.RateLimit},
			wantEvents: []observe.Event{
				observe.MaxClassAttemptsExceeded{Operation: op, Attempt: 1, Class: classify.RateLimit, Err: errBusy},
			},
			wantAt: seconds(0),
		},
		{
			name:    "a class cap above the global cap never hits",
			errs:    repeat(transient, 10),
			opts:    []retry.Option{retry.MaxAttemptsFor(classify.Transient, 5), retry.MaxAttempts(2), retry.Backoff(second)},
			wantErr: &retry.Error{Reason: retry.ErrMaxAttempts, Attempts: 2, Last: errReset, Class: classify.Transient},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second},
				observe.MaxAttemptsExceeded{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Elapsed: time.Second},
			},
			wantAt:      seconds(0, 1),
			wantElapsed: time.Second,
		},
		// When several reasons to stop hold after one attempt, the first of
		// these wins: the context's end (see cancel_test.go), the attempt's
		// context ending at the call's deadline, Permanent, the global
		// attempt cap, the class's cap, and last a delay that does not fit
		// before the deadline.
		{
			name:    "global cap wins over the Unknown cap when both hit",
			errs:    repeat(unknown, 10),
			opts:    []retry.Option{retry.MaxAttempts(2), retry.Backoff(second)},
			wantErr: &retry.Error{Reason: retry.ErrMaxAttempts, Attempts: 2, Last: errMystery, Class: classify.Unknown},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Unknown, Err: errMystery, Delay: time.Second},
				observe.MaxAttemptsExceeded{Operation: op, Attempt: 2, Class: classify.Unknown, Err: errMystery, Elapsed: time.Second},
			},
			wantAt:      seconds(0, 1),
			wantElapsed: time.Second,
		},
		{
			name:    "global cap wins over a class cap when both hit",
			errs:    repeat(rateLimit, 10),
			opts:    []retry.Option{retry.MaxAttempts(1), retry.MaxAttemptsFor(classify.RateLimit, 1)},
			wantErr: &retry.Error{Reason: retry.ErrMaxAttempts, Attempts: 1, Last: errBusy, Class: classify.RateLimit},
			wantEvents: []observe.Event{
				observe.MaxAttemptsExceeded{Operation: op, Attempt: 1, Class: classify.RateLimit, Err: errBusy},
			},
			wantAt: seconds(0),
		},
		{
			name:    "permanent wins over the attempt cap",
			errs:    []error{permanent},
			opts:    []retry.Option{retry.MaxAttempts(1)},
			wantErr: &retry.Error{Reason: retry.ErrPermanent, Attempts: 1, Last: errBad, Class: classify.Permanent},
			wantEvents: []observe.Event{
				observe.PermanentFailure{Operation: op, Attempt: 1, Class: classify.Permanent, Err: errBad},
			},
			wantAt: seconds(0),
		},
		{
			name:    "class cap wins over a delay that does not fit",
			errs:    repeat(transient, 10),
			opts:    []retry.Option{retry.MaxAttemptsFor(classify.Transient, 1), retry.Deadline(time.Second), retry.Backoff(backoff.Constant(time.Hour))},
			wantErr: &retry.Error{Reason: retry.ErrMaxClassAttempts, Attempts: 1, Last: errReset, Class: classify.Transient},
			wantEvents: []observe.Event{
				observe.MaxClassAttemptsExceeded{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset},
			},
			wantAt: seconds(0),
		},
		{
			name:    "permanent error stops at once",
			errs:    []error{transient, permanent, transient},
			opts:    []retry.Option{retry.Backoff(second)},
			wantErr: &retry.Error{Reason: retry.ErrPermanent, Attempts: 2, Last: errBad, Class: classify.Permanent},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second},
				observe.PermanentFailure{Operation: op, Attempt: 2, Class: classify.Permanent, Err: errBad, Elapsed: time.Second},
			},
			wantAt:      seconds(0, 1),
			wantElapsed: time.Second,
		},
		{
			name:    "status 404 is permanent",
			errs:    []error{notFound},
			opts:    []retry.Option{retry.Backoff(second)},
			wantErr: &retry.Error{Reason: retry.ErrPermanent, Attempts: 1, Last: notFound, Class: classify.Permanent},
			wantEvents: []observe.Event{
				observe.PermanentFailure{Operation: op, Attempt: 1, Class: classify.Permanent, Err: notFound},
			},
			wantAt: seconds(0),
		},
		{
			name: "a classifier's invented class is taken as Unknown",
			errs: repeat(transient, 10),
			opts: []retry.Option{
				retry.Classifier(classify.Func(func(error) classify.Class { return classify.Class(99) })),
				retry.Backoff(second),
			},
			wantErr: &retry.Error{Reason: retry.ErrMaxUnknownAttempts, Attempts: 2, Last: errReset, Class: classify.Unknown},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Unknown, Err: errReset, Delay: time.Second},
				observe.MaxUnknownAttemptsExceeded{Operation: op, Attempt: 2, Class: classify.Unknown, Err: errReset, Elapsed: time.Second},
			},
			wantAt:      seconds(0, 1),
			wantElapsed: time.Second,
		},
		{
			name:    "Deadline stops before a wait that does not fit, without sleeping",
			errs:    repeat(transient, 10),
			opts:    []retry.Option{retry.Deadline(10 * time.Second), retry.Backoff(backoff.Constant(4 * time.Second))},
			wantErr: &retry.Error{Reason: retry.ErrDeadline, Attempts: 3, Last: errReset, Class: classify.Transient},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset, Delay: 4 * time.Second},
				observe.Retry{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: 4 * time.Second, Elapsed: 4 * time.Second},
				observe.DeadlineExceeded{Operation: op, Attempt: 3, Class: classify.Transient, Err: errReset, Delay: 4 * time.Second, Elapsed: 8 * time.Second},
			},
			wantAt:      seconds(0, 4, 8),
			wantElapsed: 8 * time.Second,
		},
		{
			name:    "a wait that would end exactly at the deadline does not fit",
			errs:    repeat(transient, 10),
			opts:    []retry.Option{retry.Deadline(8 * time.Second), retry.Backoff(backoff.Constant(4 * time.Second))},
			wantErr: &retry.Error{Reason: retry.ErrDeadline, Attempts: 2, Last: errReset, Class: classify.Transient},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset, Delay: 4 * time.Second},
				observe.DeadlineExceeded{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: 4 * time.Second, Elapsed: 4 * time.Second},
			},
			wantAt:      seconds(0, 4),
			wantElapsed: 4 * time.Second,
		},
		{
			name:    "default deadline is 60s",
			errs:    repeat(transient, 10),
			opts:    []retry.Option{retry.Backoff(backoff.Constant(25 * time.Second))},
			wantErr: &retry.Error{Reason: retry.ErrDeadline, Attempts: 3, Last: errReset, Class: classify.Transient},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset, Delay: 25 * time.Second},
				observe.Retry{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: 25 * time.Second, Elapsed: 25 * time.Second},
				observe.DeadlineExceeded{Operation: op, Attempt: 3, Class: classify.Transient, Err: errReset, Delay: 25 * time.Second, Elapsed: 50 * time.Second},
			},
			wantAt:      seconds(0, 25, 50),
			wantElapsed: 50 * time.Second,
		},
		{
			name:    "NoDeadline lifts the default deadline",
			errs:    repeat(transient, 10),
			opts:    []retry.Option{retry.NoDeadline(), retry.MaxAttempts(3), retry.Backoff(backoff.Constant(100 * time.Second))},
			wantErr: &retry.Error{Reason: retry.ErrMaxAttempts, Attempts: 3, Last: errReset, Class: classify.Transient},
			wantEvents: []observe.Event{
				observe.Retry{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset, Delay: 100 * time.Second},
				observe.Retry{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: 100 * time.Second, Elapsed: 100 * time.Second},
				observe.MaxAttemptsExceeded{Operation: op, Attempt: 3, Class: classify.Transient, Err: errReset, Elapsed: 200 * time.Second},
			},
			wantAt:      seconds(0, 100, 200),
			wantElapsed: 200 * time.Second,
		},
		{
			name:    "Deadline after NoDeadline sets it again",
			errs:    repeat(transient, 10),
			opts:    []retry.Option{retry.NoDeadline(), retry.Deadline(time.Second), retry.Backoff(second)},
			wantErr: &retry.Error{Reason: retry.ErrDeadline, Attempts: 1, Last: errReset, Class: classify.Transient},
			wantEvents: []observe.Event{
				observe.DeadlineExceeded{Operation: op, Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second},
			},
			wantAt: seconds(0),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newOp(tt.errs...)
				var rec observe.Recorder
				opts := append([]retry.Option{retry.Name(op), retry.Subscribe(&rec)}, tt.opts...)
				start := time.Now()
				got, err := retry.Do(t.Context(), f.do, opts...)
				elapsed := time.Since(start)
				if got != tt.want {
					t.Errorf("Do(%v) = %v; want %v", tt.opts, got, tt.want)
				}
				if diff := diffError(tt.wantErr, err); diff != "" {
					t.Errorf("Do(%v) error mismatch (-want +got):\n%s", tt.opts, diff)
				}
				if diff := diffEvents(tt.wantEvents, rec.Events()); diff != "" {
					t.Errorf("Do(%v) events mismatch (-want +got):\n%s", tt.opts, diff)
				}
				if diff := diffDurations(tt.wantAt, f.at); diff != "" {
					t.Errorf("Do(%v) attempt start times mismatch (-want +got):\n%s", tt.opts, diff)
				}
				if elapsed != tt.wantElapsed {
					t.Errorf("Do(%v) took %v; want %v", tt.opts, elapsed, tt.wantElapsed)
				}
				// Nothing is left to happen: no attempt starts later.
				time.Sleep(time.Hour)
				if n := f.calls(); n != len(tt.wantAt) {
					t.Errorf("after Do(%v) returned, %d attempts; want %d", tt.opts, n, len(tt.wantAt))
				}
			})
		})
	}
}

func diffDurations(want, got []time.Duration) string {
	if len(want) != len(got) {
		return "want " + durations(want) + "\ngot  " + durations(got)
	}
	for i := range want {
		if want[i] != got[i] {
			return "want " + durations(want) + "\ngot  " + durations(got)
		}
	}
	return ""
}

func durations(ds []time.Duration) string {
	s := "["
	for i, d := range ds {
		if i > 0 {
			s += " "
		}
		s += d.String()
	}
	return s + "]"
}

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		errs     []error
		wantErr  *retry.Error
		wantCall int
	}{
		{name: "success first time", wantCall: 1},
		{name: "success after a failure", errs: []error{transient}, wantCall: 2},
		{
			name:     "permanent error stops at once",
			errs:     []error{permanent},
			wantErr:  &retry.Error{Reason: retry.ErrPermanent, Attempts: 1, Last: errBad, Class: classify.Permanent},
			wantCall: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newOp(tt.errs...)
				err := retry.Run(t.Context(), f.run, retry.Backoff(backoff.Constant(time.Second)))
				if diff := diffError(tt.wantErr, err); diff != "" {
					t.Errorf("Run(…) error mismatch (-want +got):\n%s", diff)
				}
				if f.calls() != tt.wantCall {
					t.Errorf("Run(…) made %d attempts; want %d", f.calls(), tt.wantCall)
				}
			})
		})
	}
}

// TestDoZeroValueOnFailure checks that Do returns the zero value of T when it
// gives up, whatever the operation returned alongside its error.
func TestDoZeroValueOnFailure(t *testing.T) {
	type user struct {
		ID   int
		Name string
	}
	ctx := context.Background()

	v, err := retry.Do(ctx, func(context.Context) (user, error) {
		return user{7, "ann"}, permanent
	})
	if v != (user{}) || err == nil {
		t.Errorf("Do(permanent) = %v, %v; want %v, an error", v, err, user{})
	}

	p, err := retry.Do(ctx, func(context.Context) (*user, error) {
		return &user{7, "ann"}, permanent
	})
	if p != nil || err == nil {
		t.Errorf("Do(permanent) = %v, %v; want nil, an error", p, err)
	}

	s, err := retry.Do(ctx, func(context.Context) (string, error) { return "partial", permanent }, retry.MaxAttempts(0))
	if s != "" || err == nil {
		t.Errorf("Do(invalid option) = %q, %v; want \"\", an error", s, err)
	}
}

// TestPermanentErrorKeepsTheCallersErrors checks that the error of a
// permanent failure matches the operation's own sentinel with errors.Is and
// its own type with errors.As, and that no classify marker reaches the
// caller.
func TestPermanentErrorKeepsTheCallersErrors(t *testing.T) {
	status := &statusError{404}
	tests := []struct {
		name     string
		err      error // what the operation returns
		wantLast error // the operation's own error
	}{
		{"marked sentinel", classify.MarkPermanent(errBad), errBad},
		{"marked own type", classify.MarkPermanent(status), status},
		{"own type classified by status", status, status},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := retry.Run(context.Background(), func(context.Context) error { return tt.err })
			e := asError(t, err)
			if e.Last != tt.wantLast {
				t.Errorf("Run(…).Last = %#v; want %#v", e.Last, tt.wantLast)
			}
			if !errors.Is(err, tt.wantLast) {
				t.Errorf("errors.Is(%v, %v) = false; want true", err, tt.wantLast)
			}
			if !errors.Is(err, retry.ErrPermanent) {
				t.Errorf("errors.Is(%v, ErrPermanent) = false; want true", err)
			}
			if tt.wantLast == status {
				got, ok := errors.AsType[*statusError](err)
				if !ok || got != status {
					t.Errorf("errors.As(%v, *statusError) = %v, %v; want %v, true", err, got, ok, status)
				}
			}
			// A marker never escapes: the last error is the operation's own,
			// not a stated class; what an outer loop sees first is the
			// *Error itself, Permanent to it.
			if m, ok := errors.AsType[classify.Classed](e.Last); ok {
				t.Errorf("errors.As(%v, classify.Classed) found %#v; want no marker", e.Last, m)
			}
			if m, ok := errors.AsType[classify.Classed](err); !ok || m != error(e) {
				t.Errorf("errors.As(%v, classify.Classed) = %#v, %v; want the *Error itself", err, m, ok)
			}
		})
	}
}
