package retry_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

func TestOptionString(t *testing.T) {
	var rec observe.Recorder
	tests := []struct {
		opt  retry.Option
		want string
	}{
		{retry.MaxAttempts(5), "MaxAttempts(5)"},
		{retry.MaxUnknownAttempts(3), "MaxUnknownAttempts(3)"},
		{retry.MaxAttemptsFor(classify.RateLimit, 4), "MaxAttemptsFor(classify.RateLimit, 4)"},
		{retry.MaxAttemptsFor(classify.Unknown, 4), "MaxUnknownAttempts(4)"},
		{retry.MaxAttemptsFor(classify.Class(99), 1), "MaxAttemptsFor(classify.Class(99), 1)"},
		{retry.Deadline(30 * time.Second), "Deadline(30s)"},
		{retry.NoDeadline(), "NoDeadline()"},
		{retry.AttemptTimeout(1500 * time.Millisecond), "AttemptTimeout(1.5s)"},
		{retry.MaxRetryAfter(time.Minute), "MaxRetryAfter(1m0s)"},
		{retry.Classifier(classify.Default()), "Classifier(classify.Default())"},
		{retry.Classifier(nil), "Classifier(<nil>)"},
		{retry.Backoff(backoff.Constant(time.Second)), "Backoff(backoff.Constant(1s))"},
		{retry.Backoff(nil), "Backoff(<nil>)"},
		{
			retry.BackoffFor(classify.RateLimit, backoff.DecorrelatedJitter(time.Second, time.Minute)),
			"BackoffFor(classify.RateLimit, backoff.DecorrelatedJitter(1s, 1m0s))",
		},
		{retry.BackoffFor(classify.Class(99), nil), "BackoffFor(classify.Class(99), <nil>)"},
		{retry.Name("users.get"), `Name("users.get")`},
		{retry.Subscribe(&rec), "Subscribe(*observe.Recorder)"},
		{retry.Subscribe(&rec, nil), "Subscribe(*observe.Recorder, <nil>)"},
		{retry.Subscribe(), "Subscribe()"},
		{retry.Subscribe(observe.Slog(nil), observe.Func(func(observe.Retry) {})), "Subscribe(observe.Slog(…), observe.Func[observe.Retry])"},
		{retry.Rand(rand.New(rand.NewPCG(1, 2))), "Rand(…)"},
		{retry.Options(), "Options()"},
		{
			retry.Options(retry.MaxAttempts(5), retry.Deadline(30*time.Second)),
			"Options(MaxAttempts(5), Deadline(30s))",
		},
		{
			// Nested bundles flatten.
			retry.Options(retry.Options(retry.MaxAttempts(5)), retry.Name("db"), retry.Options()),
			`Options(MaxAttempts(5), Name("db"))`,
		},
	}
	for _, tt := range tests {
		if got := tt.opt.String(); got != tt.want {
			t.Errorf("String() = %q; want %q", got, tt.want)
		}
	}
}

func TestInvalidOptions(t *testing.T) {
	var rec observe.Recorder
	badStrategy := backoff.FullJitter(-1, time.Second)
	// The call fails with backoff's own reason, whatever its wording.
	badReason := backoff.Validate(badStrategy)
	if badReason == nil {
		t.Fatalf("backoff.Validate(%v) = nil; want an error", badStrategy)
	}
	tests := []struct {
		name string
		opts []retry.Option
		want string
	}{
		{"MaxAttempts zero", []retry.Option{retry.MaxAttempts(0)}, "retry: MaxAttempts(0): must be at least 1"},
		{"MaxAttempts negative", []retry.Option{retry.MaxAttempts(-1)}, "retry: MaxAttempts(-1): must be at least 1"},
		{"MaxUnknownAttempts zero", []retry.Option{retry.MaxUnknownAttempts(0)}, "retry: MaxUnknownAttempts(0): must be at least 1"},
		{"MaxAttemptsFor zero", []retry.Option{retry.MaxAttemptsFor(classify.RateLimit, 0)}, "retry: MaxAttemptsFor(classify.RateLimit, 0): must be at least 1"},
		{"MaxAttemptsFor Permanent", []retry.Option{retry.MaxAttemptsFor(classify.Permanent, 3)}, "retry: MaxAttemptsFor(classify.Permanent, 3): Permanent errors are never retried"},
		{"MaxAttemptsFor not a class", []retry.Option{retry.MaxAttemptsFor(classify.Class(99), 1)}, "retry: MaxAttemptsFor(classify.Class(99), 1): not a class"},
		{"MaxAttemptsFor first class past the end", []retry.Option{retry.MaxAttemptsFor(classify.Class(classify.NumClasses), 1)}, "retry: MaxAttemptsFor(classify.Class(6), 1): not a class"},
		{"Deadline zero", []retry.Option{retry.Deadline(0)}, "retry: Deadline(0s): must be positive (NoDeadline lifts the deadline)"},
		{"Deadline negative", []retry.Option{retry.Deadline(-time.Second)}, "retry: Deadline(-1s): must be positive (NoDeadline lifts the deadline)"},
		{"AttemptTimeout zero", []retry.Option{retry.AttemptTimeout(0)}, "retry: AttemptTimeout(0s): must be positive"},
		{"AttemptTimeout negative", []retry.Option{retry.AttemptTimeout(-time.Second)}, "retry: AttemptTimeout(-1s): must be positive"},
		{"MaxRetryAfter zero", []retry.Option{retry.MaxRetryAfter(0)}, "retry: MaxRetryAfter(0s): must be positive"},
		{"MaxRetryAfter negative", []retry.Option{retry.MaxRetryAfter(-time.Second)}, "retry: MaxRetryAfter(-1s): must be positive"},
		{"nil classifier", []retry.Option{retry.Classifier(nil)}, "retry: Classifier(<nil>): classifier is nil"},
		{"nil strategy", []retry.Option{retry.Backoff(nil)}, "retry: Backoff(<nil>): strategy is nil"},
		{"nil class strategy", []retry.Option{retry.BackoffFor(classify.RateLimit, nil)}, "retry: BackoffFor(classify.RateLimit, <nil>): strategy is nil"},
		{"invalid strategy", []retry.Option{retry.Backoff(badStrategy)}, "retry: Backoff: " + badReason.Error()},
		{"invalid class strategy", []retry.Option{retry.BackoffFor(classify.Transient, badStrategy)}, "retry: BackoffFor(classify.Transient): " + badReason.Error()},
		{"BackoffFor Permanent", []retry.Option{retry.BackoffFor(classify.Permanent, backoff.Constant(time.Second))}, "retry: BackoffFor(classify.Permanent, backoff.Constant(1s)): Permanent errors are never retried"},
		{"BackoffFor not a class", []retry.Option{retry.BackoffFor(classify.Class(99), backoff.Constant(time.Second))}, "retry: BackoffFor(classify.Class(99), backoff.Constant(1s)): not a class"},
		{"BackoffFor first class past the end", []retry.Option{retry.BackoffFor(classify.Class(classify.NumClasses), backoff.Constant(time.Second))}, "retry: BackoffFor(classify.Class(6), backoff.Constant(1s)): not a class"},
		{"nil subscriber", []retry.Option{retry.Subscribe(nil)}, "retry: Subscribe(<nil>): subscriber 0 is nil"},
		{"nil second subscriber", []retry.Option{retry.Subscribe(&rec, nil)}, "retry: Subscribe(*observe.Recorder, <nil>): subscriber 1 is nil"},
		{"nil Rand", []retry.Option{retry.Rand(nil)}, "retry: Rand(…): source is nil"},
		{"nil option", []retry.Option{nil}, "retry: option 0 is nil"},
		{"nil option after others", []retry.Option{retry.MaxAttempts(2), nil}, "retry: option 1 is nil"},
		{"nil option after a bundle", []retry.Option{retry.Options(retry.MaxAttempts(2)), nil}, "retry: option 1 is nil"},
		{"nil member of a bundle", []retry.Option{retry.Options(retry.MaxAttempts(2), nil)}, "retry: Options: option 1 is nil"},
		{"nil member of a nested bundle", []retry.Option{retry.Options(retry.Options(nil)), retry.MaxAttempts(2)}, "retry: Options: option 0 is nil"},
		{"first invalid option wins", []retry.Option{retry.MaxAttempts(0), retry.Deadline(0)}, "retry: MaxAttempts(0): must be at least 1"},
		{"invalid member of a lone bundle", []retry.Option{retry.Options(retry.Name("x"), retry.MaxAttempts(0))}, "retry: MaxAttempts(0): must be at least 1"},
		{"invalid member of a bundle first", []retry.Option{retry.Options(retry.MaxAttempts(0)), retry.MaxAttempts(3)}, "retry: MaxAttempts(0): must be at least 1"},
		{"invalid member of a bundle later", []retry.Option{retry.Name("x"), retry.Options(retry.Deadline(-time.Second))}, "retry: Deadline(-1s): must be positive (NoDeadline lifts the deadline)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			v, err := retry.Do(context.Background(), func(context.Context) (int, error) {
				called = true
				return 1, nil
			}, tt.opts...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Do(%v) = %v; want %s", tt.opts, err, tt.want)
			}
			if !errors.Is(err, retry.ErrInvalidOption) {
				t.Errorf("errors.Is(%v, ErrInvalidOption) = false; want true", err)
			}
			if _, ok := errors.AsType[*retry.Error](err); ok {
				t.Errorf("Do(%v) = %#v; want no *retry.Error: no attempt ran", tt.opts, err)
			}
			if called || v != 0 {
				t.Errorf("Do(%v) called the operation (= %v); want it never called", tt.opts, v)
			}
			err = retry.Run(context.Background(), func(context.Context) error {
				called = true
				return nil
			}, tt.opts...)
			if err == nil || err.Error() != tt.want || called {
				t.Errorf("Run(%v) = %v (called: %v); want %s, not called", tt.opts, err, called, tt.want)
			}
		})
	}
}

func TestInvalidStrategyUnwrapsToBackoffsError(t *testing.T) {
	s := backoff.FullJitter(-1, time.Second)
	err := retry.Run(context.Background(), func(context.Context) error { return nil }, retry.Backoff(s))
	inner := errors.Unwrap(err)
	if inner == nil || inner.Error() != backoff.Validate(s).Error() {
		t.Errorf("errors.Unwrap(%v) = %v; want %v", err, inner, backoff.Validate(s))
	}
}

func TestNilOperation(t *testing.T) {
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"Do", func() error { _, err := retry.Do[int](context.Background(), nil); return err }, "retry: Do: operation is nil"},
		{"Run", func() error { return retry.Run(context.Background(), nil) }, "retry: Run: operation is nil"},
	}
	for _, tt := range tests {
		err := tt.call()
		if err == nil || err.Error() != tt.want || !errors.Is(err, retry.ErrInvalidOption) {
			t.Errorf("%s(ctx, nil) = %v; want %s matching ErrInvalidOption", tt.name, err, tt.want)
		}
	}
}

// attempts runs an always failing operation with opts and returns the
// number of attempts and the error.
func attempts(t *testing.T, opts ...retry.Option) (int, error) {
	t.Helper()
	f := newOp(repeat(transient, 100)...)
	_, err := retry.Do(t.Context(), f.do, opts...)
	return f.calls(), err
}

func TestBundles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var fromBundle observe.Recorder
		bundle := retry.Options(retry.MaxAttempts(5), retry.Backoff(backoff.Constant(time.Second)), retry.Name("db"), retry.Subscribe(&fromBundle))
		tests := []struct {
			name      string
			opts      []retry.Option
			wantCalls int
			wantTime  time.Duration
		}{
			{"bundle alone", []retry.Option{bundle}, 5, 4 * time.Second},
			{"overridden at the call site", []retry.Option{bundle, retry.MaxAttempts(2)}, 2, time.Second},
			{"bundle alone again, unchanged by the override", []retry.Option{bundle}, 5, 4 * time.Second},
			{"bundle last wins over what precedes it", []retry.Option{retry.MaxAttempts(2), bundle}, 5, 4 * time.Second},
			{"two overrides", []retry.Option{bundle, retry.MaxAttempts(3), retry.Backoff(backoff.Constant(2 * time.Second))}, 3, 4 * time.Second},
			{"nested bundle", []retry.Option{retry.Options(bundle, retry.MaxAttempts(4))}, 4, 3 * time.Second},
			{"bundle after a bundle", []retry.Option{bundle, retry.Options(retry.MaxAttempts(3))}, 3, 2 * time.Second},
			{"bundle alone once more", []retry.Option{bundle}, 5, 4 * time.Second},
		}
		for _, tt := range tests {
			fromBundle.Reset()
			start := time.Now()
			n, err := attempts(t, tt.opts...)
			if n != tt.wantCalls || !errors.Is(err, retry.ErrMaxAttempts) {
				t.Errorf("%s: Do(%v) = %v after %d attempts; want %v after %d", tt.name, tt.opts, err, n, retry.ErrMaxAttempts, tt.wantCalls)
			}
			if got := time.Since(start); got != tt.wantTime {
				t.Errorf("%s: Do(%v) took %v; want %v", tt.name, tt.opts, got, tt.wantTime)
			}
			// The bundle's subscriber and name come along every time.
			if got, want := fromBundle.Count(observe.KindMaxAttemptsExceeded), 1; got != want {
				t.Errorf("%s: bundle's subscriber got %d MaxAttemptsExceeded; want %d", tt.name, got, want)
			}
			for _, e := range fromBundle.Events() {
				if e, ok := e.(observe.MaxAttemptsExceeded); ok && e.Operation != "db" {
					t.Errorf("%s: event Operation = %q; want %q", tt.name, e.Operation, "db")
				}
			}
		}
	})
}

func TestSubscribersAddUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var inBundle, atCallSite, second observe.Recorder
		bundle := retry.Options(retry.Subscribe(&inBundle), retry.Backoff(backoff.Constant(time.Second)))

		f := newOp(transient)
		if _, err := retry.Do(t.Context(), f.do, bundle, retry.Subscribe(&atCallSite), retry.Subscribe(&second)); err != nil {
			t.Fatalf("Do(…) = %v; want nil", err)
		}
		want := []observe.Event{
			observe.Retry{Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second},
			observe.Success{Attempt: 2, Elapsed: time.Second},
		}
		for name, rec := range map[string]*observe.Recorder{"bundle's": &inBundle, "call site's": &atCallSite, "second call site's": &second} {
			if diff := diffEvents(want, rec.Events()); diff != "" {
				t.Errorf("%s subscriber events mismatch (-want +got):\n%s", name, diff)
			}
		}

		// The bundle alone still has its one subscriber.
		inBundle.Reset()
		atCallSite.Reset()
		f = newOp(transient)
		if _, err := retry.Do(t.Context(), f.do, bundle); err != nil {
			t.Fatalf("Do(bundle) = %v; want nil", err)
		}
		if got := len(inBundle.Events()); got != 2 {
			t.Errorf("bundle's subscriber got %d events; want 2", got)
		}
		if got := len(atCallSite.Events()); got != 0 {
			t.Errorf("call site's subscriber got %d events from a call without it; want 0", got)
		}
	})
}

// Subscribers that take only some kinds receive only those.
func TestSelectiveSubscribers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var retries []observe.Retry
		var stops []observe.MaxAttemptsExceeded
		var all observe.Recorder
		f := newOp(repeat(transient, 10)...)
		_, err := retry.Do(t.Context(), f.do, retry.MaxAttempts(3), retry.Backoff(backoff.Constant(0)),
			retry.Subscribe(
				observe.Func(func(e observe.Retry) { retries = append(retries, e) }),
				observe.Func(func(e observe.MaxAttemptsExceeded) { stops = append(stops, e) }),
				&all,
			))
		if !errors.Is(err, retry.ErrMaxAttempts) {
			t.Fatalf("Do(…) = %v; want %v", err, retry.ErrMaxAttempts)
		}
		if len(retries) != 2 || len(stops) != 1 || len(all.Events()) != 3 {
			t.Errorf("got %d Retry, %d MaxAttemptsExceeded, %d events in all; want 2, 1, 3", len(retries), len(stops), len(all.Events()))
		}
	})
}

// A subscriber that takes nothing the call sends gets nothing, and the call
// behaves as without it.
func TestSubscriberOfOtherKindsOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		got := 0
		f := newOp(transient)
		v, err := retry.Do(t.Context(), f.do, retry.Subscribe(observe.Func(func(observe.Cancelled) { got++ })))
		if v != 42 || err != nil || got != 0 {
			t.Errorf("Do(…) = %v, %v with %d events; want 42, nil with 0", v, err, got)
		}
	})
}

// Subscribers receive the caller's context, not an attempt's.
func TestSubscriberGetsTheCallersContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type key struct{}
		ctx := context.WithValue(t.Context(), key{}, "caller")
		var got []context.Context
		f := newOp(transient)
		_, err := retry.Do(ctx, f.do, retry.AttemptTimeout(time.Second), retry.Backoff(backoff.Constant(0)),
			retry.Subscribe(ctxRecorder{&got}))
		if err != nil {
			t.Fatalf("Do(…) = %v; want nil", err)
		}
		if len(got) != 2 || got[0] != ctx || got[1] != ctx {
			t.Errorf("subscriber got contexts %v; want the caller's twice", got)
		}
	})
}

// ctxRecorder is a Subscriber that keeps the context of each event.
type ctxRecorder struct{ ctxs *[]context.Context }

func (r ctxRecorder) Handle(ctx context.Context, _ observe.Event) { *r.ctxs = append(*r.ctxs, ctx) }

// An Option can only be made by this package; a type that embeds one is not
// accepted, with an error that says so rather than a silent no-op.
func TestOptionOfAnotherTypeIsRejected(t *testing.T) {
	type wrapped struct{ retry.Option }
	called := false
	err := retry.Run(context.Background(), func(context.Context) error { called = true; return nil },
		retry.MaxAttempts(2), wrapped{retry.MaxAttempts(3)})
	if want := "retry: option 1 is not one this package made"; err == nil || err.Error() != want || !errors.Is(err, retry.ErrInvalidOption) {
		t.Errorf("Run(…, wrapped{…}) = %v; want %q matching ErrInvalidOption", err, want)
	}
	if called {
		t.Errorf("Run(…, wrapped{…}) called the operation")
	}
}
