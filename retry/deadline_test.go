package retry_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

func TestContextDeadlineEarlierThanDeadlineTakesOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		f := newOp(repeat(transient, 10)...)
		var rec observe.Recorder
		start := time.Now()
		_, err := retry.Do(ctx, f.do, retry.Deadline(time.Minute), retry.Backoff(backoff.Constant(2*time.Second)), retry.Subscribe(&rec))

		want := &retry.Error{Reason: retry.ErrDeadline, Attempts: 3, Last: errReset, Class: classify.Transient}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		wantEvents := []observe.Event{
			observe.Retry{Attempt: 1, Class: classify.Transient, Err: errReset, Delay: 2 * time.Second},
			observe.Retry{Attempt: 2, Class: classify.Transient, Err: errReset, Delay: 2 * time.Second, Elapsed: 2 * time.Second},
			observe.DeadlineExceeded{Attempt: 3, Class: classify.Transient, Err: errReset, Delay: 2 * time.Second, Elapsed: 4 * time.Second},
		}
		if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}
		if got := time.Since(start); got != 4*time.Second {
			t.Errorf("Do(…) took %v; want 4s (no sleep into the context's deadline)", got)
		}
	})
}

func TestDeadlineErrorIsContextDeadlineExceeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newOp(repeat(transient, 10)...)
		_, err := retry.Do(t.Context(), f.do, retry.Deadline(time.Second), retry.Backoff(backoff.Constant(time.Hour)))
		for _, target := range []error{retry.ErrDeadline, context.DeadlineExceeded, errReset} {
			if !errors.Is(err, target) {
				t.Errorf("errors.Is(%v, %v) = false; want true", err, target)
			}
		}
		if errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(%v, context.Canceled) = true; want false", err)
		}
	})
}

// An attempt that ignores its context runs past the deadline, but no
// attempt starts after it, and the cause says which limit passed.
func TestNoAttemptStartsAfterTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newOp(repeat(transient, 10)...)
		f.delay = 15 * time.Second
		var rec observe.Recorder
		_, err := retry.Do(t.Context(), f.do, retry.Deadline(10*time.Second), retry.Backoff(backoff.Constant(0)), retry.Subscribe(&rec))

		want := &retry.Error{Reason: retry.ErrDeadline, Attempts: 1, Last: errReset, Class: classify.Transient, Cause: context.DeadlineExceeded}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		wantEvents := []observe.Event{
			observe.DeadlineExceeded{Attempt: 1, Class: classify.Transient, Err: errReset, Cause: context.DeadlineExceeded, Elapsed: 15 * time.Second},
		}
		if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}
	})
}

// Time spent in a subscriber counts: a Retry handler that runs past the
// deadline must not let the next attempt start late, even with no wait.
func TestNoAttemptStartsAfterTheDeadlineSpentInASubscriber(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newOp(repeat(transient, 10)...)
		slow := observe.Func(func(observe.Retry) { time.Sleep(20 * time.Second) })
		var rec observe.Recorder
		_, err := retry.Do(t.Context(), f.do, retry.Deadline(10*time.Second), retry.Backoff(backoff.Constant(0)), retry.Subscribe(slow, &rec))

		want := &retry.Error{Reason: retry.ErrDeadline, Attempts: 1, Last: errReset, Class: classify.Transient, Cause: context.DeadlineExceeded}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		wantEvents := []observe.Event{
			observe.Retry{Attempt: 1, Class: classify.Transient, Err: errReset},
			observe.DeadlineExceeded{Attempt: 1, Class: classify.Transient, Err: errReset, Cause: context.DeadlineExceeded, Elapsed: 20 * time.Second},
		}
		if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}
		if diff := diffDurations(seconds(0), f.at); diff != "" {
			t.Errorf("Do(…) attempt start times mismatch (-want +got):\n%s", diff)
		}
	})
}

// The context's deadline passing during an attempt stops the loop with
// ErrDeadline, keeping the context's cause and the attempt's error.
func TestContextDeadlineDuringAnAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		var rec observe.Recorder
		_, err := retry.Do(ctx, blockUntilDone, retry.Subscribe(&rec))
		want := &retry.Error{Reason: retry.ErrDeadline, Attempts: 1, Last: context.DeadlineExceeded, Class: classify.Transient, Cause: context.DeadlineExceeded}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		wantEvents := []observe.Event{
			observe.DeadlineExceeded{Attempt: 1, Class: classify.Transient, Err: context.DeadlineExceeded, Cause: context.DeadlineExceeded, Elapsed: 5 * time.Second},
		}
		if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}
	})
}

// blockUntilDone is an operation that waits for its context to end and
// returns its error, as a call to a hung server does.
func blockUntilDone(ctx context.Context) (int, error) {
	<-ctx.Done()
	return -1, ctx.Err()
}

func TestAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec observe.Recorder
		var deadlines []time.Duration
		start := time.Now()
		op := func(ctx context.Context) (int, error) {
			d, _ := ctx.Deadline()
			deadlines = append(deadlines, d.Sub(start))
			return blockUntilDone(ctx)
		}
		// The classifier would call every error Permanent; an attempt that
		// timed out is Transient all the same.
		perm := classify.Func(func(error) classify.Class { return classify.Permanent })
		_, err := retry.Do(t.Context(), op,
			retry.AttemptTimeout(2*time.Second), retry.Classifier(perm),
			retry.Backoff(backoff.Constant(time.Second)), retry.MaxAttempts(3), retry.Subscribe(&rec))

		want := &retry.Error{Reason: retry.ErrMaxAttempts, Attempts: 3, Last: context.DeadlineExceeded, Class: classify.Transient}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		wantEvents := []observe.Event{
			observe.Retry{Attempt: 1, Class: classify.Transient, Err: context.DeadlineExceeded, Delay: time.Second, Elapsed: 2 * time.Second},
			observe.Retry{Attempt: 2, Class: classify.Transient, Err: context.DeadlineExceeded, Delay: time.Second, Elapsed: 5 * time.Second},
			observe.MaxAttemptsExceeded{Attempt: 3, Class: classify.Transient, Err: context.DeadlineExceeded, Elapsed: 8 * time.Second},
		}
		if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}
		if diff := diffDurations(seconds(2, 5, 8), deadlines); diff != "" {
			t.Errorf("Do(…) attempt deadlines mismatch (-want +got):\n%s", diff)
		}
	})
}

// An attempt that fails for a reason of its own, before its timeout, keeps
// the class the classifier gives it.
func TestAttemptTimeoutNotReachedKeepsTheClass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newOp(permanent)
		_, err := retry.Do(t.Context(), f.do, retry.AttemptTimeout(time.Second))
		want := &retry.Error{Reason: retry.ErrPermanent, Attempts: 1, Last: errBad, Class: classify.Permanent}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestAttemptContextIsCancelledWhenTheAttemptEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newOp(transient, transient)
		var seen []error // what the attempt saw of the previous attempt's context
		op := func(ctx context.Context) (int, error) {
			if n := len(f.ctxs); n > 0 {
				seen = append(seen, f.ctxs[n-1].Err())
			}
			if err := ctx.Err(); err != nil {
				t.Errorf("attempt %d started with a done context: %v", len(f.ctxs)+1, err)
			}
			return f.do(ctx)
		}
		v, err := retry.Do(t.Context(), op, retry.AttemptTimeout(time.Hour), retry.Backoff(backoff.Constant(time.Second)))
		if v != 42 || err != nil {
			t.Fatalf("Do(…) = %v, %v; want 42, nil", v, err)
		}
		want := []error{context.Canceled, context.Canceled}
		if diff := cmp.Diff(want, seen, cmpopts.EquateErrors()); diff != "" {
			t.Errorf("previous attempt's ctx.Err() mismatch (-want +got):\n%s", diff)
		}
		// The last attempt's, after Do returned.
		if err := f.ctxs[2].Err(); err != context.Canceled {
			t.Errorf("last attempt's ctx.Err() = %v; want %v", err, context.Canceled)
		}
		if f.ctxs[0] == f.ctxs[1] {
			t.Errorf("attempts 1 and 2 got the same context; want one each")
		}
	})
}

func TestAttemptContextNeverOutlivesTheDeadline(t *testing.T) {
	tests := []struct {
		name          string
		opts          []retry.Option
		wantDeadlines []time.Duration // of each attempt's context
		wantEvents    []observe.Event
	}{
		{
			name:          "first attempt",
			opts:          []retry.Option{retry.Deadline(5 * time.Second), retry.AttemptTimeout(time.Hour)},
			wantDeadlines: seconds(5),
			wantEvents: []observe.Event{
				observe.DeadlineExceeded{Attempt: 1, Class: classify.Transient, Err: context.DeadlineExceeded, Cause: context.DeadlineExceeded, Elapsed: 5 * time.Second},
			},
		},
		{
			name:          "later attempt",
			opts:          []retry.Option{retry.Deadline(5 * time.Second), retry.AttemptTimeout(2 * time.Second), retry.Backoff(backoff.Constant(time.Second))},
			wantDeadlines: seconds(2, 5),
			wantEvents: []observe.Event{
				observe.Retry{Attempt: 1, Class: classify.Transient, Err: context.DeadlineExceeded, Delay: time.Second, Elapsed: 2 * time.Second},
				observe.DeadlineExceeded{Attempt: 2, Class: classify.Transient, Err: context.DeadlineExceeded, Cause: context.DeadlineExceeded, Elapsed: 5 * time.Second},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var rec observe.Recorder
				var deadlines []time.Duration
				start := time.Now()
				op := func(ctx context.Context) (int, error) {
					d, _ := ctx.Deadline()
					deadlines = append(deadlines, d.Sub(start))
					return blockUntilDone(ctx)
				}
				_, err := retry.Do(t.Context(), op, append(tt.opts, retry.Subscribe(&rec))...)
				if !errors.Is(err, retry.ErrDeadline) {
					t.Errorf("Do(%v) = %v; want %v", tt.opts, err, retry.ErrDeadline)
				}
				if got := time.Since(start); got != 5*time.Second {
					t.Errorf("Do(%v) took %v; want 5s", tt.opts, got)
				}
				if diff := diffDurations(tt.wantDeadlines, deadlines); diff != "" {
					t.Errorf("Do(%v) attempt deadlines mismatch (-want +got):\n%s", tt.opts, diff)
				}
				if diff := diffEvents(tt.wantEvents, rec.Events()); diff != "" {
					t.Errorf("Do(%v) events mismatch (-want +got):\n%s", tt.opts, diff)
				}
			})
		})
	}
}

// The time limits: MaxRetryTime, 60s by default, counts from the first
// failure, so that a call that succeeds at once never reads the clock;
// Deadline(d) counts from the call and lifts the default; the earlier of
// two limits ends the call; NoDeadline lifts both. The operation's first
// attempt fails at 50s, the later ones at once, and waits are 20s.
func TestTimeLimits(t *testing.T) {
	tests := []struct {
		name         string
		opts         []retry.Option
		wantErr      error
		wantAttempts int
		wantElapsed  time.Duration
	}{
		// The default 60s runs to 110s; attempts at 70s and 90s; a 20s
		// wait from 90s does not end before 110s.
		{"default", nil, retry.ErrDeadline, 3, 90 * time.Second},
		// From 50s to 80s: an attempt at 70s; a wait from 70s does not fit.
		{"MaxRetryTime(30s)", []retry.Option{retry.MaxRetryTime(30 * time.Second)}, retry.ErrDeadline, 2, 70 * time.Second},
		// Deadline(60s) runs to 60s: a 20s wait from 50s does not fit.
		{"Deadline(60s)", []retry.Option{retry.Deadline(60 * time.Second)}, retry.ErrDeadline, 1, 50 * time.Second},
		// Deadline lifts the default retry time: 200s from the call.
		{"Deadline(200s)", []retry.Option{retry.Deadline(200 * time.Second)}, retry.ErrDeadline, 8, 190 * time.Second},
		// Both: the earlier ends the call, whatever their order.
		{"MaxRetryTime(30s), Deadline(200s)", []retry.Option{retry.MaxRetryTime(30 * time.Second), retry.Deadline(200 * time.Second)}, retry.ErrDeadline, 2, 70 * time.Second},
		{"Deadline(200s), MaxRetryTime(30s)", []retry.Option{retry.Deadline(200 * time.Second), retry.MaxRetryTime(30 * time.Second)}, retry.ErrDeadline, 2, 70 * time.Second},
		// NoDeadline lifts both: the attempt cap ends the call.
		{"NoDeadline", []retry.Option{retry.NoDeadline()}, retry.ErrMaxAttempts, 10, 230 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				f := newOp(repeat(transient, 20)...)
				first := true
				op := func(ctx context.Context) (int, error) {
					if first {
						first = false
						time.Sleep(50 * time.Second)
					}
					return f.do(ctx)
				}
				opts := append([]retry.Option{retry.Backoff(backoff.Constant(20 * time.Second)), retry.MaxAttempts(10)}, tt.opts...)
				_, err := retry.Do(t.Context(), op, opts...)
				if !errors.Is(err, tt.wantErr) || f.calls() != tt.wantAttempts {
					t.Errorf("Do(%v) = %v after %d attempts; want %v after %d", opts, err, f.calls(), tt.wantErr, tt.wantAttempts)
				}
				if got := time.Since(start); got != tt.wantElapsed {
					t.Errorf("Do(%v) took %v; want %v", opts, got, tt.wantElapsed)
				}
			})
		})
	}
}

// Deadline bounds the call: the running attempt's context ends at the
// deadline, so that an operation that honours its context lets Do return
// by then.
func TestDeadlineEndsTheRunningAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var attemptCtx context.Context
		_, err := retry.Do(t.Context(), func(ctx context.Context) (int, error) {
			attemptCtx = ctx
			return blockUntilDone(ctx)
		}, retry.Deadline(100*time.Millisecond))
		if got := time.Since(start); got != 100*time.Millisecond {
			t.Errorf("Do(…, Deadline(100ms)) returned after %v; want 100ms", got)
		}
		e := asError(t, err)
		if e.Reason != retry.ErrDeadline || e.Attempts != 1 || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Do(…, Deadline(100ms)) = %v; want ErrDeadline after 1 attempt", err)
		}
		if attemptCtx.Err() == nil {
			t.Error("the attempt's context is not done after Do returned")
		}
	})
}

// An attempt that ends at the deadline while the caller's context has time
// left is not taken for the caller's deadline: the reason is ErrDeadline,
// the cause says Deadline, and the caller's context is untouched.
func TestDeadlineCauseNamesTheOption(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		var rec observe.Recorder
		_, err := retry.Do(ctx, blockUntilDone, retry.Deadline(time.Second), retry.Subscribe(&rec))
		e := asError(t, err)
		if e.Reason != retry.ErrDeadline || e.Cause == nil || !errors.Is(e.Cause, context.DeadlineExceeded) {
			t.Fatalf("Do(…) = %#v; want ErrDeadline with a cause matching context.DeadlineExceeded", e)
		}
		if got := e.Cause.Error(); got != "retry: Deadline(1s) passed" {
			t.Errorf("cause = %q; want %q", got, "retry: Deadline(1s) passed")
		}
		if ctx.Err() != nil {
			t.Errorf("the caller's context ended: %v", ctx.Err())
		}
		events := rec.Events()
		if len(events) != 1 || events[0].Kind() != observe.KindDeadlineExceeded {
			t.Errorf("events = %v; want one DeadlineExceeded", events)
		}
	})
}

// Do never abandons an attempt: an operation that ignores its context holds
// the call until it returns, past the deadline. What it returns then is
// what the call returns: a success is not hidden (its effect happened), a
// failure ends the call with ErrDeadline.
func TestDeadlineWaitsForAnOperationThatIgnoresItsContext(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		wantV   int
		wantErr error
	}{
		{"success after the deadline", nil, 1, nil},
		{"failure after the deadline", transient, 0, retry.ErrDeadline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				v, err := retry.Do(t.Context(), func(context.Context) (int, error) {
					time.Sleep(5 * time.Second) // ignores ctx
					if tt.err != nil {
						return 0, tt.err
					}
					return 1, nil
				}, retry.Deadline(time.Second))
				if v != tt.wantV || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
					t.Errorf("Do(…) = %v, %v; want %v, %v", v, err, tt.wantV, tt.wantErr)
				}
				if got := time.Since(start); got != 5*time.Second {
					t.Errorf("Do(…) returned after %v; want 5s, when the operation did", got)
				}
			})
		})
	}
}

// A subscriber runs on the call's goroutine: one that blocks holds the
// call, past the deadline, and no attempt starts after it.
func TestDeadlineWaitsForABlockingSubscriber(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		f := newOp(repeat(transient, 10)...)
		slow := retry.Subscribe(observe.Func(func(observe.Retry) { time.Sleep(3 * time.Second) }))
		_, err := retry.Do(t.Context(), f.do, retry.Deadline(time.Second), retry.Backoff(backoff.Constant(0)), slow)
		if !errors.Is(err, retry.ErrDeadline) || f.calls() != 1 {
			t.Errorf("Do(…) = %v after %d attempts; want ErrDeadline after 1", err, f.calls())
		}
		if got := time.Since(start); got != 3*time.Second {
			t.Errorf("Do(…) returned after %v; want 3s, when the subscriber did", got)
		}
	})
}

// AttemptTimeout is not shortened by MaxRetryTime: an attempt that starts
// before the retry time is up gets its whole timeout, and the call ends
// with ErrDeadline only when that ends it, after the retry time.
func TestMaxRetryTimeDoesNotShortenAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var deadlines []time.Duration
		calls := 0
		_, err := retry.Do(t.Context(), func(ctx context.Context) (int, error) {
			calls++
			d, _ := ctx.Deadline()
			deadlines = append(deadlines, d.Sub(start))
			if calls == 1 {
				return 0, transient
			}
			return blockUntilDone(ctx)
		}, retry.MaxRetryTime(10*time.Second), retry.AttemptTimeout(time.Minute), retry.Backoff(backoff.Constant(time.Second)))
		if diff := diffDurations(seconds(60, 61), deadlines); diff != "" {
			t.Errorf("attempt deadlines mismatch (-want +got):\n%s", diff)
		}
		if !errors.Is(err, retry.ErrDeadline) || calls != 2 || time.Since(start) != 61*time.Second {
			t.Errorf("Do(…) = %v after %d attempts and %v; want ErrDeadline after 2 and 61s", err, calls, time.Since(start))
		}
	})
}

// permanentWord is an error of an operation's own that says, through its
// RetryClass method, that the attempt must not be repeated: a commit
// whose outcome is unknown, a request the server may have acted on.
type permanentWord struct{ err error }

func (e *permanentWord) Error() string              { return "must not repeat: " + e.err.Error() }
func (e *permanentWord) Unwrap() error              { return e.err }
func (e *permanentWord) RetryClass() classify.Class { return classify.Permanent }

// An attempt that its own timeout ended is Transient, whatever a classifier
// makes of the context's error, unless the operation's error itself says
// Permanent: then it is not made again. An inner loop's *Error does not
// speak for the attempt: the outer attempt's timeout ended that loop.
func TestAttemptTimeoutKeepsTheOperationsPermanentWord(t *testing.T) {
	tests := []struct {
		name      string
		wrap      func(error) error // what the operation returns when its context ends
		wantCalls int
		wantClass classify.Class
	}{
		{"marked Permanent", func(err error) error { return classify.MarkPermanent(err) }, 1, classify.Permanent},
		{"RetryClass Permanent", func(err error) error { return &permanentWord{err} }, 1, classify.Permanent},
		{"a classifier's Permanent alone", func(err error) error { return err }, 3, classify.Transient},
		{"an inner loop's *Error", func(err error) error {
			return retry.Run(context.Background(), func(context.Context) error { return err }, retry.MaxAttempts(1))
		}, 3, classify.Transient},
		{"an inner loop's *Error, wrapped in a Permanent word", func(err error) error {
			return &permanentWord{retry.Run(context.Background(), func(context.Context) error { return err }, retry.MaxAttempts(1))}
		}, 3, classify.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls := 0
				everythingPermanent := retry.Classifier(classify.Func(func(error) classify.Class { return classify.Permanent }))
				_, err := retry.Do(t.Context(), func(ctx context.Context) (int, error) {
					calls++
					<-ctx.Done()
					return 0, tt.wrap(ctx.Err())
				}, retry.AttemptTimeout(time.Second), retry.MaxAttempts(3), retry.Backoff(backoff.Constant(0)), everythingPermanent)
				e := asError(t, err)
				if calls != tt.wantCalls || e.Class != tt.wantClass {
					t.Errorf("Do(…) = %v after %d attempts, class %v; want %d attempts, class %v", err, calls, e.Class, tt.wantCalls, tt.wantClass)
				}
			})
		})
	}
}
