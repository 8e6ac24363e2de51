package retry_test

// Tests that pin the promises of the package documentation that no other
// test pinned directly. Each test's name states the promise.

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/hook"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// plan describes one failure that reaches several limits at once, for
// TestReasonPrecedence.
type plan struct {
	// at is the attempt that fails and stops the call: 1, or 2 when the
	// attempt must run into the deadline of MaxRetryTime, which starts at
	// the first failure. Attempts before it fail with a Transient error
	// and are followed by a zero wait.
	at     int
	opts   []retry.Option
	inner  bool          // the attempt runs a nested loop that retries and gives up
	block  bool          // the attempt waits for its context to end
	cancel bool          // the attempt cancels the caller's context, with errShutdown
	err    error         // what the attempt returns; nil: its context's error
	wait   time.Duration // the strategy's delay after the attempt
	budget bool          // the call shares a Budget that has no retry left after attempt at-1
}

// The limits a failure can reach, as plan fields. runsIntoDeadline makes
// attempt 2 run past the deadline of MaxRetryTime, 10s after the first
// failure, until its own AttemptTimeout ends it at 20s: MaxRetryTime ends
// no running attempt, but no attempt starts after it.
var (
	runsIntoDeadline = []retry.Option{retry.MaxRetryTime(10 * time.Second), retry.AttemptTimeout(20 * time.Second)}
	waitDoesNotFit   = retry.MaxRetryTime(time.Second) // with a wait of an hour
)

// TestReasonPrecedence pins "when one failure reaches several limits at
// once, the reason is the first of: the context is done, the attempt ran
// into the deadline, Permanent, MaxAttempts, the class's cap, the next wait
// does not fit, the budget", for every pair of them. Whichever wins, the
// call stops without waiting, sends exactly one event that ends it, and no
// attempt starts later.
func TestReasonPrecedence(t *testing.T) {
	type want struct {
		reason error
		class  classify.Class
		last   error
		cause  error
		delay  time.Duration // of the event that ends the call
	}
	deadlineAt2 := want{reason: retry.ErrDeadline, class: classify.Transient, last: context.DeadlineExceeded}
	tests := []struct {
		name string
		plan plan
		want want
	}{
		// The context is done, before each of the others.
		{
			name: "context done before the attempt ran into the deadline",
			plan: plan{at: 2, opts: runsIntoDeadline, block: true, cancel: true},
			want: want{reason: retry.ErrCancelled, class: classify.Transient, last: context.DeadlineExceeded, cause: errShutdown},
		},
		{
			name: "context done before Permanent",
			plan: plan{at: 1, cancel: true, err: permanent},
			want: want{reason: retry.ErrCancelled, class: classify.Permanent, last: errBad, cause: errShutdown},
		},
		{
			name: "context done before MaxAttempts",
			plan: plan{at: 1, opts: []retry.Option{retry.MaxAttempts(1)}, cancel: true, err: transient},
			want: want{reason: retry.ErrCancelled, class: classify.Transient, last: errReset, cause: errShutdown},
		},
		{
			name: "context done before the class's cap",
			plan: plan{at: 1, opts: []retry.Option{retry.MaxAttemptsFor(classify.Transient, 1)}, cancel: true, err: transient},
			want: want{reason: retry.ErrCancelled, class: classify.Transient, last: errReset, cause: errShutdown},
		},
		{
			name: "context done before a wait that does not fit",
			plan: plan{at: 1, opts: []retry.Option{waitDoesNotFit}, wait: time.Hour, cancel: true, err: transient},
			want: want{reason: retry.ErrCancelled, class: classify.Transient, last: errReset, cause: errShutdown},
		},
		{
			name: "context done before the budget",
			plan: plan{at: 1, budget: true, cancel: true, err: transient},
			want: want{reason: retry.ErrCancelled, class: classify.Transient, last: errReset, cause: errShutdown},
		},

		// The attempt ran into the deadline, before each of the rest. The
		// event's Delay of 0 tells it from a wait that does not fit.
		{
			// An inner loop that gave up makes the attempt Permanent.
			name: "attempt ran into the deadline before Permanent",
			plan: plan{at: 2, opts: runsIntoDeadline, inner: true, block: true},
			want: want{reason: retry.ErrDeadline, class: classify.Permanent, last: context.DeadlineExceeded},
		},
		{
			name: "attempt ran into the deadline before MaxAttempts",
			plan: plan{at: 2, opts: append([]retry.Option{retry.MaxAttempts(2)}, runsIntoDeadline...), block: true},
			want: deadlineAt2,
		},
		{
			name: "attempt ran into the deadline before the class's cap",
			plan: plan{at: 2, opts: append([]retry.Option{retry.MaxAttemptsFor(classify.Transient, 2)}, runsIntoDeadline...), block: true},
			want: deadlineAt2,
		},
		{
			name: "attempt ran into the deadline before a wait that does not fit",
			plan: plan{at: 2, opts: runsIntoDeadline, block: true, wait: time.Hour},
			want: deadlineAt2,
		},
		{
			name: "attempt ran into the deadline before the budget",
			plan: plan{at: 2, opts: runsIntoDeadline, block: true, budget: true},
			want: deadlineAt2,
		},

		// Permanent, before each of the rest.
		{
			name: "Permanent before MaxAttempts",
			plan: plan{at: 1, opts: []retry.Option{retry.MaxAttempts(1)}, err: permanent},
			want: want{reason: retry.ErrPermanent, class: classify.Permanent, last: errBad},
		},
		{
			// Permanent has no cap of its own: the cap is that of the class
			// the classifier gave, Transient, which the word of an inner
			// loop that gave up overrides.
			name: "Permanent before the cap of the class the classifier gave",
			plan: plan{at: 1, opts: []retry.Option{retry.MaxAttemptsFor(classify.Transient, 1)}, inner: true, err: transient},
			want: want{reason: retry.ErrPermanent, class: classify.Permanent, last: errReset},
		},
		{
			name: "Permanent before a wait that does not fit",
			plan: plan{at: 1, opts: []retry.Option{waitDoesNotFit}, wait: time.Hour, err: permanent},
			want: want{reason: retry.ErrPermanent, class: classify.Permanent, last: errBad},
		},
		{
			name: "Permanent before the budget",
			plan: plan{at: 1, budget: true, err: permanent},
			want: want{reason: retry.ErrPermanent, class: classify.Permanent, last: errBad},
		},

		// MaxAttempts, before each of the rest.
		{
			name: "MaxAttempts before the class's cap",
			plan: plan{at: 1, opts: []retry.Option{retry.MaxAttempts(1), retry.MaxAttemptsFor(classify.Transient, 1)}, err: transient},
			want: want{reason: retry.ErrMaxAttempts, class: classify.Transient, last: errReset},
		},
		{
			name: "MaxAttempts before the Unknown cap",
			plan: plan{at: 1, opts: []retry.Option{retry.MaxAttempts(1), retry.MaxUnknownAttempts(1)}, err: unknown},
			want: want{reason: retry.ErrMaxAttempts, class: classify.Unknown, last: errMystery},
		},
		{
			name: "MaxAttempts before a wait that does not fit",
			plan: plan{at: 1, opts: []retry.Option{retry.MaxAttempts(1), waitDoesNotFit}, wait: time.Hour, err: transient},
			want: want{reason: retry.ErrMaxAttempts, class: classify.Transient, last: errReset},
		},
		{
			name: "MaxAttempts before the budget",
			plan: plan{at: 1, opts: []retry.Option{retry.MaxAttempts(1)}, budget: true, err: transient},
			want: want{reason: retry.ErrMaxAttempts, class: classify.Transient, last: errReset},
		},

		// The class's cap, before each of the rest.
		{
			name: "the class's cap before a wait that does not fit",
			plan: plan{at: 1, opts: []retry.Option{retry.MaxAttemptsFor(classify.Transient, 1), waitDoesNotFit}, wait: time.Hour, err: transient},
			want: want{reason: retry.ErrMaxClassAttempts, class: classify.Transient, last: errReset},
		},
		{
			name: "the Unknown cap before a wait that does not fit",
			plan: plan{at: 1, opts: []retry.Option{retry.MaxUnknownAttempts(1), waitDoesNotFit}, wait: time.Hour, err: unknown},
			want: want{reason: retry.ErrMaxUnknownAttempts, class: classify.Unknown, last: errMystery},
		},
		{
			name: "the class's cap before the budget",
			plan: plan{at: 1, opts: []retry.Option{retry.MaxAttemptsFor(classify.Transient, 1)}, budget: true, err: transient},
			want: want{reason: retry.ErrMaxClassAttempts, class: classify.Transient, last: errReset},
		},

		// A wait that does not fit, before the budget.
		{
			name: "a wait that does not fit before the budget",
			plan: plan{at: 1, opts: []retry.Option{waitDoesNotFit}, wait: time.Hour, budget: true, err: transient},
			want: want{reason: retry.ErrDeadline, class: classify.Transient, last: errReset, delay: time.Hour},
		},

		// Each limit alone, so that every row above is known to reach
		// both of its limits.
		{
			name: "the attempt ran into the deadline alone",
			plan: plan{at: 2, opts: runsIntoDeadline, block: true},
			want: deadlineAt2,
		},
		{
			name: "the budget alone",
			plan: plan{at: 1, budget: true, err: transient},
			want: want{reason: retry.ErrBudgetExhausted, class: classify.Transient, last: errReset},
		},
		{
			name: "a wait that does not fit alone",
			plan: plan{at: 1, opts: []retry.Option{waitDoesNotFit}, wait: time.Hour, err: transient},
			want: want{reason: retry.ErrDeadline, class: classify.Transient, last: errReset, delay: time.Hour},
		},
		{
			name: "an inner loop that gave up alone",
			plan: plan{at: 1, inner: true, err: transient},
			want: want{reason: retry.ErrPermanent, class: classify.Permanent, last: errReset},
		},
	}
	stopKinds := map[error]observe.Kind{
		retry.ErrPermanent:          observe.KindPermanentFailure,
		retry.ErrMaxAttempts:        observe.KindMaxAttemptsExceeded,
		retry.ErrMaxUnknownAttempts: observe.KindMaxUnknownAttemptsExceeded,
		retry.ErrMaxClassAttempts:   observe.KindMaxClassAttemptsExceeded,
		retry.ErrDeadline:           observe.KindDeadlineExceeded,
		retry.ErrCancelled:          observe.KindCancelled,
		retry.ErrBudgetExhausted:    observe.KindBudgetExhausted,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := tt.plan
				ctx, cancel := context.WithCancelCause(t.Context())
				defer cancel(nil)
				zero := retry.Backoff(backoff.Constant(0))
				opts := append([]retry.Option{
					retry.Backoff(backoff.Func(func(in backoff.Input) time.Duration {
						if in.Attempt < p.at {
							return 0
						}
						return p.wait
					})),
				}, p.opts...)
				var budget *retry.Budget
				if p.budget {
					// One retry in all, earned by nobody: attempt at-1's
					// retry spends what is left of it.
					budget = retry.NewBudget(0, 1)
					if p.at == 1 {
						retry.Run(ctx, func(context.Context) error { return transient }, budget, zero, retry.MaxAttempts(2))
					}
					opts = append(opts, budget)
				}
				var rec observe.Recorder
				opts = append(opts, retry.Subscribe(&rec))

				calls := 0
				op := func(actx context.Context) (int, error) {
					calls++
					switch {
					case calls < p.at:
						return 0, transient
					case calls > p.at:
						t.Errorf("attempt %d started; want none after attempt %d", calls, p.at)
						return 0, transient
					}
					if p.inner {
						retry.Run(actx, func(context.Context) error { return transient }, zero, retry.MaxAttempts(2))
					}
					if p.block {
						<-actx.Done()
					}
					if p.cancel {
						cancel(errShutdown)
					}
					if p.err != nil {
						return 0, p.err
					}
					return 0, actx.Err()
				}

				start := time.Now()
				_, err := retry.Do(ctx, op, opts...)
				elapsed := time.Since(start)

				w := tt.want
				wantErr := &retry.Error{Reason: w.reason, Attempts: p.at, Last: w.last, Class: w.class, Cause: w.cause}
				if diff := diffError(wantErr, err); diff != "" {
					t.Errorf("Do(%v) error mismatch (-want +got):\n%s", opts, diff)
				}
				// No wait after the last attempt: the call returns when
				// the attempt does, at 0, or at 20s when it ran past the
				// deadline until its own timeout.
				wantElapsed := time.Duration(0)
				if p.block {
					wantElapsed = 20 * time.Second
				}
				if elapsed != wantElapsed {
					t.Errorf("Do(%v) took %v; want %v", opts, elapsed, wantElapsed)
				}
				// One Retry before each attempt but the first, and exactly
				// one event that ends the call.
				var wantEvents []observe.Event
				for a := 1; a < p.at; a++ {
					wantEvents = append(wantEvents, observe.Retry{Attempt: a, Class: classify.Transient, Err: errReset})
				}
				events := rec.Events()
				if len(events) != len(wantEvents)+1 {
					t.Fatalf("Do(%v) sent %v; want %d Retry and one event that ends the call", opts, events, len(wantEvents))
				}
				if diff := diffEvents(wantEvents, events[:len(wantEvents)]); diff != "" {
					t.Errorf("Do(%v) Retry events mismatch (-want +got):\n%s", opts, diff)
				}
				stop := events[len(events)-1]
				if got, want := stop.Kind(), stopKinds[w.reason]; got != want {
					t.Errorf("Do(%v) ended with a %v event; want %v", opts, got, want)
				}
				wantInfo := observe.Info{Attempt: p.at, Elapsed: wantElapsed, Failed: true, Class: w.class, Err: w.last, Delay: w.delay, Cause: w.cause}
				if diff := cmp.Diff(wantInfo, observe.InfoOf(stop), cmpopts.EquateErrors()); diff != "" {
					t.Errorf("Do(%v) last event mismatch (-want +got):\n%s", opts, diff)
				}
				if budget != nil && budget.Available() != 0 {
					t.Errorf("budget.Available() = %v after Do(%v); want 0", budget.Available(), opts)
				}
				// Nothing is left to happen.
				time.Sleep(time.Hour)
				if calls != p.at {
					t.Errorf("after Do(%v) returned, %d attempts; want %d", opts, calls, p.at)
				}
			})
		})
	}
}

// "Options apply in order: for a setting, the last one wins": every
// setting, given twice, in both orders.
func TestLastOptionWinsForEverySetting(t *testing.T) {
	// result is what a call did: enough to tell two settings apart.
	type result struct {
		Attempts  int
		Reason    error
		Elapsed   time.Duration
		Operation string
	}
	sec := func(d time.Duration) retry.Option { return retry.Backoff(backoff.Constant(d)) }
	// What FullJitter(1s, 1s) waits for the largest draw.
	largest := backoff.FullJitter(time.Second, time.Second).Delay(backoff.Input{Attempt: 1, Random: rand.New(oneSource{}).Float64()})
	if largest <= 0 {
		t.Fatalf("FullJitter(1s, 1s) waits %v for the largest draw; want more than 0", largest)
	}
	noCaps := retry.Options(retry.NoDeadline(), retry.MaxAttempts(math.MaxInt), retry.MaxUnknownAttempts(math.MaxInt))
	tests := []struct {
		name        string
		base        []retry.Option // before both
		a, b        retry.Option
		errs        []error       // of each attempt; success after them
		attemptTime time.Duration // how long each attempt takes
		wantA       result        // the call with a last
		wantB       result        // the call with b last
	}{
		{
			name: "MaxAttempts",
			base: []retry.Option{sec(time.Second)},
			a:    retry.MaxAttempts(2), b: retry.MaxAttempts(4),
			errs:  repeat(transient, 10),
			wantA: result{Attempts: 2, Reason: retry.ErrMaxAttempts, Elapsed: time.Second},
			wantB: result{Attempts: 4, Reason: retry.ErrMaxAttempts, Elapsed: 3 * time.Second},
		},
		{
			name: "MaxUnknownAttempts and MaxAttemptsFor(Unknown) are one setting",
			base: []retry.Option{sec(time.Second)},
			a:    retry.MaxUnknownAttempts(2), b: retry.MaxAttemptsFor(classify.Unknown, 3),
			errs:  repeat(unknown, 10),
			wantA: result{Attempts: 2, Reason: retry.ErrMaxUnknownAttempts, Elapsed: time.Second},
			wantB: result{Attempts: 3, Reason: retry.ErrMaxUnknownAttempts, Elapsed: 2 * time.Second},
		},
		{
			name: "MaxAttemptsFor",
			base: []retry.Option{sec(time.Second)},
			a:    retry.MaxAttemptsFor(classify.Transient, 2), b: retry.MaxAttemptsFor(classify.Transient, 3),
			errs:  repeat(transient, 10),
			wantA: result{Attempts: 2, Reason: retry.ErrMaxClassAttempts, Elapsed: time.Second},
			wantB: result{Attempts: 3, Reason: retry.ErrMaxClassAttempts, Elapsed: 2 * time.Second},
		},
		{
			name: "Deadline",
			base: []retry.Option{noCaps, sec(time.Second)},
			a:    retry.Deadline(2500 * time.Millisecond), b: retry.Deadline(4500 * time.Millisecond),
			errs:  repeat(transient, 10),
			wantA: result{Attempts: 3, Reason: retry.ErrDeadline, Elapsed: 2 * time.Second},
			wantB: result{Attempts: 5, Reason: retry.ErrDeadline, Elapsed: 4 * time.Second},
		},
		{
			name: "MaxRetryTime",
			base: []retry.Option{noCaps, sec(time.Second)},
			a:    retry.MaxRetryTime(2500 * time.Millisecond), b: retry.MaxRetryTime(4500 * time.Millisecond),
			errs:  repeat(transient, 10),
			wantA: result{Attempts: 3, Reason: retry.ErrDeadline, Elapsed: 2 * time.Second},
			wantB: result{Attempts: 5, Reason: retry.ErrDeadline, Elapsed: 4 * time.Second},
		},
		{
			name: "NoDeadline and Deadline",
			base: []retry.Option{retry.MaxAttempts(4), sec(100 * time.Second)},
			a:    retry.NoDeadline(), b: retry.Deadline(150 * time.Second),
			errs:  repeat(transient, 10),
			wantA: result{Attempts: 4, Reason: retry.ErrMaxAttempts, Elapsed: 300 * time.Second},
			wantB: result{Attempts: 2, Reason: retry.ErrDeadline, Elapsed: 100 * time.Second},
		},
		{
			name: "NoDeadline and MaxRetryTime",
			base: []retry.Option{retry.MaxAttempts(4), sec(100 * time.Second)},
			a:    retry.NoDeadline(), b: retry.MaxRetryTime(150 * time.Second),
			errs:  repeat(transient, 10),
			wantA: result{Attempts: 4, Reason: retry.ErrMaxAttempts, Elapsed: 300 * time.Second},
			wantB: result{Attempts: 2, Reason: retry.ErrDeadline, Elapsed: 100 * time.Second},
		},
		{
			// Attempts that take 5s, cut short by the timeout in force.
			name: "AttemptTimeout",
			base: []retry.Option{retry.MaxAttempts(2), sec(0)},
			a:    retry.AttemptTimeout(time.Second), b: retry.AttemptTimeout(3 * time.Second),
			attemptTime: 5 * time.Second,
			wantA:       result{Attempts: 2, Reason: retry.ErrMaxAttempts, Elapsed: 2 * time.Second},
			wantB:       result{Attempts: 2, Reason: retry.ErrMaxAttempts, Elapsed: 6 * time.Second},
		},
		{
			name: "Classifier",
			base: []retry.Option{sec(time.Second)},
			a:    retry.Classifier(classify.Func(func(error) classify.Class { return classify.Permanent })),
			b:    retry.Classifier(classify.Default()),
			errs: []error{transient},
			// Permanent at once, or a success after a retry.
			wantA: result{Attempts: 1, Reason: retry.ErrPermanent},
			wantB: result{Attempts: 2, Elapsed: time.Second},
		},
		{
			name: "Backoff",
			base: []retry.Option{retry.MaxAttempts(3)},
			a:    sec(time.Second), b: sec(5 * time.Second),
			errs:  repeat(transient, 10),
			wantA: result{Attempts: 3, Reason: retry.ErrMaxAttempts, Elapsed: 2 * time.Second},
			wantB: result{Attempts: 3, Reason: retry.ErrMaxAttempts, Elapsed: 10 * time.Second},
		},
		{
			name:  "BackoffFor",
			base:  []retry.Option{retry.MaxAttempts(3), sec(time.Second)},
			a:     retry.BackoffFor(classify.Transient, backoff.Constant(2*time.Second)),
			b:     retry.BackoffFor(classify.Transient, backoff.Constant(7*time.Second)),
			errs:  repeat(transient, 10),
			wantA: result{Attempts: 3, Reason: retry.ErrMaxAttempts, Elapsed: 4 * time.Second},
			wantB: result{Attempts: 3, Reason: retry.ErrMaxAttempts, Elapsed: 14 * time.Second},
		},
		{
			name: "MaxRetryAfter",
			base: []retry.Option{retry.MaxAttempts(2), sec(0), noJitter, retry.NoDeadline()},
			a:    retry.MaxRetryAfter(10 * time.Second), b: retry.MaxRetryAfter(20 * time.Second),
			errs:  repeat(classify.MarkRateLimit(errBusy, time.Hour), 10),
			wantA: result{Attempts: 2, Reason: retry.ErrMaxAttempts, Elapsed: 10 * time.Second},
			wantB: result{Attempts: 2, Reason: retry.ErrMaxAttempts, Elapsed: 20 * time.Second},
		},
		{
			name:  "Name",
			a:     retry.Name("a"),
			b:     retry.Name("b"),
			wantA: result{Attempts: 1, Operation: "a"},
			wantB: result{Attempts: 1, Operation: "b"},
		},
		{
			// Rand of a source that draws 0 or one that draws just below 1:
			// FullJitter waits nothing or a whole second.
			name: "Rand",
			base: []retry.Option{retry.MaxAttempts(2), retry.Backoff(backoff.FullJitter(time.Second, time.Second))},
			a:    noJitter, b: retry.Rand(rand.New(oneSource{})),
			errs:  repeat(transient, 10),
			wantA: result{Attempts: 2, Reason: retry.ErrMaxAttempts},
			wantB: result{Attempts: 2, Reason: retry.ErrMaxAttempts, Elapsed: largest},
		},
		{
			// NoBudget after a Budget with no retry left lifts it; a Budget
			// after NoBudget refuses.
			name: "Budget and NoBudget",
			base: []retry.Option{retry.MaxAttempts(3), sec(time.Second)},
			a:    emptyBudget(), b: retry.NoBudget(),
			errs:  repeat(transient, 10),
			wantA: result{Attempts: 1, Reason: retry.ErrBudgetExhausted},
			wantB: result{Attempts: 3, Reason: retry.ErrMaxAttempts, Elapsed: 2 * time.Second},
		},
	}
	for _, tt := range tests {
		for _, order := range []struct {
			name string
			last retry.Option
			want result
			opts []retry.Option
		}{
			{"b then a", tt.a, tt.wantA, append(append([]retry.Option{}, tt.base...), tt.b, tt.a)},
			{"a then b", tt.b, tt.wantB, append(append([]retry.Option{}, tt.base...), tt.a, tt.b)},
			{"b then a, in a bundle", tt.a, tt.wantA, []retry.Option{retry.Options(append(append([]retry.Option{}, tt.base...), tt.b, tt.a)...)}},
			{"a in a bundle, b at the call site", tt.b, tt.wantB, []retry.Option{retry.Options(append(append([]retry.Option{}, tt.base...), tt.a)...), tt.b}},
		} {
			t.Run(tt.name+"/"+order.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					f := newOp(tt.errs...)
					op := f.do
					if tt.attemptTime > 0 {
						// An attempt that honours its context, and fails
						// when it ends.
						op = func(ctx context.Context) (int, error) {
							f.at = append(f.at, time.Since(f.start))
							select {
							case <-ctx.Done():
								return 0, ctx.Err()
							case <-time.After(tt.attemptTime):
								return 0, transient
							}
						}
					}
					var got result
					sub := retry.Subscribe(observe.Func(func(e observe.Event) { got.Operation = observe.InfoOf(e).Operation }))
					start := time.Now()
					_, err := retry.Do(t.Context(), op, append(order.opts, sub)...)
					got.Elapsed = time.Since(start)
					got.Attempts = f.calls()
					if err != nil {
						got.Reason = asError(t, err).Reason
					}
					if diff := cmp.Diff(order.want, got, cmpopts.EquateErrors()); diff != "" {
						t.Errorf("Do(%v), %v last: mismatch (-want +got):\n%s", order.opts, order.last, diff)
					}
				})
			})
		}
	}
}

// emptyBudget returns a Budget with no retry left, which earns none.
func emptyBudget() *retry.Budget {
	b := retry.NewBudget(0, 1)
	retry.Run(context.Background(), func(context.Context) error { return transient },
		b, retry.MaxAttempts(2), retry.Backoff(backoff.Constant(0)))
	return b
}

// kindsCounter is a Selective subscriber that counts how often it is asked
// for its kinds.
type kindsCounter struct{ asked *atomic.Int64 }

func (k kindsCounter) Handle(context.Context, observe.Event) {}
func (k kindsCounter) Kinds() observe.Set                    { k.asked.Add(1); return observe.All }

// validateCounter is a strategy that counts how often it is validated.
type validateCounter struct{ validated *atomic.Int64 }

func (v validateCounter) Delay(backoff.Input) time.Duration { return 0 }
func (v validateCounter) Validate() error                   { v.validated.Add(1); return nil }

// "A bundle is resolved once, when it is made": the calls that use it, alone
// or followed by overrides, do not ask its subscribers for their kinds or
// validate its strategies again. Options of a call's own are resolved once
// per call.
func TestBundleIsResolvedOnce(t *testing.T) {
	var asked, validated atomic.Int64
	bundle := retry.Options(retry.Subscribe(kindsCounter{&asked}), retry.Backoff(validateCounter{&validated}), retry.MaxAttempts(3))
	if a, v := asked.Load(), validated.Load(); a != 1 || v != 1 {
		t.Fatalf("Options(…) asked Kinds %d times and Validate %d times; want 1 and 1", a, v)
	}
	fail := func(context.Context) error { return transient }
	for range 10 {
		retry.Run(context.Background(), fail, bundle)
		retry.Run(context.Background(), fail, bundle, retry.MaxAttempts(2), retry.Name("override"))
	}
	if a, v := asked.Load(), validated.Load(); a != 1 || v != 1 {
		t.Errorf("after 20 calls with the bundle first, Kinds was asked %d times and Validate %d times; want 1 and 1, when the bundle was made", a, v)
	}

	// A call's own options: once per call, not once per event.
	asked.Store(0)
	validated.Store(0)
	for range 10 {
		retry.Run(context.Background(), fail, retry.Subscribe(kindsCounter{&asked}), retry.Backoff(validateCounter{&validated}), retry.MaxAttempts(3))
	}
	if a, v := asked.Load(), validated.Load(); a != 10 || v != 10 {
		t.Errorf("10 calls of 3 attempts with options of their own asked Kinds %d times and Validate %d times; want 10 and 10", a, v)
	}
}

// "[MaxRetryTime], and the default 60s of it, bounds only the retrying, from
// the first failure, and never ends a running attempt": an attempt that
// runs past the limit keeps a live context with no deadline, and its
// success is the call's.
func TestMaxRetryTimeNeverEndsARunningAttempt(t *testing.T) {
	tests := []struct {
		name string
		opts []retry.Option
	}{
		{"default", nil},
		{"MaxRetryTime(10s)", []retry.Option{retry.MaxRetryTime(10 * time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls := 0
				start := time.Now()
				v, err := retry.Do(t.Context(), func(ctx context.Context) (int, error) {
					calls++
					if calls == 1 {
						return 0, transient // the first failure, at 0: the limit starts
					}
					if d, ok := ctx.Deadline(); ok {
						t.Errorf("attempt %d's context has a deadline, at %v; want none", calls, d.Sub(start))
					}
					time.Sleep(90 * time.Second) // past either limit
					if err := ctx.Err(); err != nil {
						t.Errorf("attempt %d's context ended while it ran: %v", calls, err)
					}
					return 7, nil
				}, append([]retry.Option{retry.Backoff(backoff.Constant(time.Second))}, tt.opts...)...)
				if v != 7 || err != nil || calls != 2 {
					t.Errorf("Do(%v) = %v, %v after %d attempts; want 7, nil after 2", tt.opts, v, err, calls)
				}
			})
		})
	}
}

// "A zero wait arms no timer": on the clock of the simulator's hook, the
// loop sleeps only for the waits that are not zero.
func TestZeroWaitArmsNoTimer(t *testing.T) {
	clock := &virtualClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	waits := map[int]time.Duration{1: 0, 2: time.Second, 3: 0, 4: 0, 5: 2 * time.Second}
	n := 0
	err := retry.Run(context.Background(), func(context.Context) error {
		if n++; n <= 5 {
			return transient
		}
		return nil
	}, hook.WithClock(clock).(retry.Option), retry.MaxAttempts(10),
		retry.Backoff(backoff.Func(func(in backoff.Input) time.Duration { return waits[in.Attempt] })))
	if err != nil || n != 6 {
		t.Fatalf("Run(…) = %v after %d attempts; want nil after 6", err, n)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, clock.sleeps); diff != "" {
		t.Errorf("sleeps mismatch (-want +got):\n%s", diff)
	}
}

// goroutineID returns the number of the calling goroutine, from its stack
// trace: "goroutine 7 [running]:".
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf = bytes.TrimPrefix(buf, []byte("goroutine "))
	id, _, _ := bytes.Cut(buf, []byte(" "))
	return string(id)
}

// "Subscribers receive typed events synchronously, on the calling
// goroutine": each event is handled on the goroutine that called Do, in
// order between the attempts, and all of them before Do returns.
func TestSubscribersRunSynchronouslyOnTheCallingGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		caller := goroutineID()
		var log []string
		f := newOp(transient, transient)
		op := func(ctx context.Context) (int, error) {
			log = append(log, "attempt")
			return f.do(ctx)
		}
		sub := observe.Func(func(e observe.Event) {
			if id := goroutineID(); id != caller {
				t.Errorf("%v handled on goroutine %s; want %s, the caller's", e.Kind(), id, caller)
			}
			log = append(log, e.Kind().String())
		})
		v, err := retry.Do(t.Context(), op, retry.Backoff(backoff.Constant(time.Second)), retry.Subscribe(sub))
		if v != 42 || err != nil {
			t.Fatalf("Do(…) = %v, %v; want 42, nil", v, err)
		}
		want := []string{"attempt", "retry", "attempt", "retry", "attempt", "success"}
		if diff := cmp.Diff(want, log); diff != "" {
			t.Errorf("attempts and events mismatch (-want +got):\n%s", diff)
		}
	})
}

// "An *Error is Permanent to an outer loop", on its own: an inner loop run
// on a context of its own (which does not tell the outer loop it gave up)
// returns its *Error, and the outer loop stops at once. The inner reason
// shows through errors.Is; the *Error that errors.As finds first is the
// outer loop's, with the reason why it stopped.
func TestInnerErrorIsPermanentToAnOuterLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		zero := retry.Backoff(backoff.Constant(0))
		inner, outer := 0, 0
		err := retry.Run(t.Context(), func(context.Context) error {
			outer++
			return retry.Run(context.Background(), func(context.Context) error {
				inner++
				return transient
			}, zero, retry.MaxAttempts(3))
		}, zero, retry.MaxAttempts(3))
		if outer != 1 || inner != 3 {
			t.Errorf("outer Run made %d outer and %d inner attempts; want 1 and 3", outer, inner)
		}
		e := asError(t, err)
		if e.Reason != retry.ErrPermanent || e.Class != classify.Permanent || e.Attempts != 1 {
			t.Errorf("outer Run = %+v; want Reason ErrPermanent, Class Permanent, 1 attempt", e)
		}
		for _, target := range []error{retry.ErrPermanent, retry.ErrMaxAttempts, errReset} {
			if !errors.Is(err, target) {
				t.Errorf("errors.Is(%v, %v) = false; want true", err, target)
			}
		}
	})
}

// "An operation that starts its inner calls on a context of its own
// (context.Background, say) opts out": the outer loop does not hear that
// the inner loop gave up, and retries an error that hides it.
func TestInnerLoopOnItsOwnContextOptsOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		zero := retry.Backoff(backoff.Constant(0))
		inner, outer := 0, 0
		err := retry.Run(t.Context(), func(context.Context) error {
			outer++
			err := retry.Run(context.Background(), func(context.Context) error {
				inner++
				return transient
			}, zero, retry.MaxAttempts(2))
			return classify.MarkTransient(errors.New("inner: " + err.Error()))
		}, zero, retry.MaxAttempts(3))
		if !errors.Is(err, retry.ErrMaxAttempts) || outer != 3 || inner != 6 {
			t.Errorf("outer Run = %v after %d outer and %d inner attempts; want ErrMaxAttempts after 3 and 6", err, outer, inner)
		}
	})
}

// "A hint that fits before the deadline is waited out even when the backoff
// strategy's delay would not fit."
func TestRetryAfterThatFitsIsTakenWhenTheStrategysDelayDoesNot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newOp(classify.MarkRateLimit(errBusy, 5*time.Second))
		var rec observe.Recorder
		v, err := retry.Do(t.Context(), f.do, retry.Deadline(time.Minute), retry.Backoff(backoff.Constant(100*time.Second)),
			noJitter, retry.Subscribe(&rec))
		if v != 42 || err != nil {
			t.Fatalf("Do(…) = %v, %v; want 42, nil", v, err)
		}
		want := []observe.Event{
			observe.Retry{Attempt: 1, Class: classify.RateLimit, Err: errBusy, Delay: 5 * time.Second, RetryAfter: 5 * time.Second},
			observe.Success{Attempt: 2, Elapsed: 5 * time.Second},
		}
		if diff := diffEvents(want, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}
	})
}

// "Calls the operation with a context derived from the caller's": every
// attempt sees the caller's values, whatever the options.
func TestAttemptContextCarriesTheCallersValues(t *testing.T) {
	type key struct{}
	tests := []struct {
		name string
		opts []retry.Option
	}{
		{"no options", nil},
		{"Deadline", []retry.Option{retry.Deadline(time.Minute)}},
		{"AttemptTimeout", []retry.Option{retry.AttemptTimeout(time.Second)}},
		{"Deadline and AttemptTimeout", []retry.Option{retry.Deadline(time.Minute), retry.AttemptTimeout(time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.WithValue(t.Context(), key{}, "caller")
				f := newOp(transient, transient)
				_, err := retry.Do(ctx, f.do, append(tt.opts, retry.Backoff(backoff.Constant(time.Second)))...)
				if err != nil {
					t.Fatalf("Do(%v) = %v; want nil", tt.opts, err)
				}
				for i, c := range f.ctxs {
					if got := c.Value(key{}); got != "caller" {
						t.Errorf("Do(%v): attempt %d's context has %v; want the caller's value", tt.opts, i+1, got)
					}
				}
			})
		})
	}
}

// "For no cap at all, pass math.MaxInt [to MaxAttempts]".
func TestMaxAttemptsMaxIntIsNoCap(t *testing.T) {
	f := func() func(context.Context) error {
		n := 0
		return func(context.Context) error {
			if n++; n <= 1000 {
				return transient
			}
			return nil
		}
	}()
	err := retry.Run(context.Background(), f, retry.MaxAttempts(math.MaxInt), retry.NoDeadline(), retry.Backoff(backoff.Constant(0)))
	if err != nil {
		t.Errorf("Run(1000 failures, MaxAttempts(math.MaxInt)) = %v; want nil", err)
	}
}

// "NoDeadline lifts the limits of Deadline and MaxRetryTime, ... leaving the
// call bounded by the context's deadline, if it has one".
func TestNoDeadlineLeavesTheContextsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		f := newOp(repeat(transient, 10)...)
		_, err := retry.Do(ctx, f.do, retry.Deadline(time.Hour), retry.NoDeadline(), retry.Backoff(backoff.Constant(2*time.Second)))
		// Attempts at 0, 2s and 4s; a wait to 6s does not fit.
		want := &retry.Error{Reason: retry.ErrDeadline, Attempts: 3, Last: errReset, Class: classify.Transient}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
	})
}

// "No attempt starts after [MaxRetryTime's limit]", even when the time ran
// out in an attempt or in a subscriber and there is no wait to notice it
// in.
func TestNoAttemptStartsAfterMaxRetryTime(t *testing.T) {
	tests := []struct {
		name         string
		attemptTime  time.Duration // of attempt 2
		handlerTime  time.Duration // of each Retry handler
		wantAttempts int
	}{
		{"time spent in an attempt", 20 * time.Second, 0, 2},
		{"time spent in a subscriber", 0, 20 * time.Second, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newOp(repeat(transient, 10)...)
				op := func(ctx context.Context) (int, error) {
					if f.calls() == 1 {
						time.Sleep(tt.attemptTime) // ignores ctx
					}
					return f.do(ctx)
				}
				var rec observe.Recorder
				handler := observe.Func(func(observe.Retry) { time.Sleep(tt.handlerTime) })
				_, err := retry.Do(t.Context(), op, retry.MaxRetryTime(10*time.Second), retry.Backoff(backoff.Constant(0)),
					retry.Subscribe(handler, &rec))
				want := &retry.Error{Reason: retry.ErrDeadline, Attempts: tt.wantAttempts, Last: errReset, Class: classify.Transient}
				if diff := diffError(want, err); diff != "" {
					t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
				}
				events := rec.Events()
				if n := len(events); n == 0 || events[n-1].Kind() != observe.KindDeadlineExceeded {
					t.Errorf("Do(…) events = %v; want them to end with DeadlineExceeded", events)
				}
				time.Sleep(time.Hour)
				if f.calls() != tt.wantAttempts {
					t.Errorf("Do(…) made %d attempts; want %d", f.calls(), tt.wantAttempts)
				}
			})
		})
	}
}
