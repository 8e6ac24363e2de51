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
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// A call whose options ask for no set-up around the first attempt makes
// that attempt as the operation's call alone, and sets up the rest of the
// loop only if it fails. These tests pin both halves: every option that
// acts on the first attempt still does, whether inline, in a bundle or in
// a bundle with overrides; and a call that makes its first attempt so
// goes on from it as any other would, to every end.

// TestOptionsActOnTheFirstAttempt checks each option that acts on a
// call's first attempt.
func TestOptionsActOnTheFirstAttempt(t *testing.T) {
	// A first attempt that has a deadline in its context.
	hasDeadline := func(t *testing.T, opt retry.Option) {
		var ok bool
		for _, opts := range shapes(opt) {
			ok = false
			retry.Run(context.Background(), func(ctx context.Context) error {
				_, ok = ctx.Deadline()
				return nil
			}, opts...)
			if !ok {
				t.Errorf("Run(%v): the first attempt's context has no deadline; want one", opts)
			}
		}
	}
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"Deadline bounds the first attempt", func(t *testing.T) {
			hasDeadline(t, retry.Deadline(time.Hour))
		}},
		{"AttemptTimeout bounds the first attempt", func(t *testing.T) {
			hasDeadline(t, retry.AttemptTimeout(time.Hour))
		}},
		{"a subscriber hears the first attempt's success", func(t *testing.T) {
			n := 0
			for _, opts := range shapes(retry.Subscribe(observe.Func(func(observe.Success) { n++ }))) {
				n = 0
				retry.Run(context.Background(), func(context.Context) error { return nil }, opts...)
				if n != 1 {
					t.Errorf("Run(%v) told %d Success events; want 1", opts, n)
				}
			}
		}},
		{"a budget earns from the first attempt", func(t *testing.T) {
			b := retry.NewBudget(0.5, 1)
			for _, opts := range shapes(b) {
				for range 10 { // spend what the budget holds
					retry.Run(context.Background(), func(context.Context) error { return transient },
						b, retry.Backoff(backoff.Constant(0)))
				}
				before := b.Available()
				retry.Run(context.Background(), func(context.Context) error { return nil }, opts...)
				if after := b.Available(); after <= before {
					t.Errorf("Run(%v) left the budget at %v, as before; want more", opts, after)
				}
			}
		}},
		{"a breaker hears the first attempt's failure", func(t *testing.T) {
			// The first failure opens the breaker, and the second attempt
			// waits for its break. On a fake clock.
			synctest.Test(t, func(t *testing.T) {
				for _, shape := range []func(retry.Option) []retry.Option{inline, bundled, overridden} {
					b := breaker.New(breaker.Config{ConsecutiveFailures: 1, BreakDuration: time.Minute})
					opts := append(shape(retry.Breaker(b)), retry.Backoff(backoff.Constant(0)), retry.MaxRetryTime(time.Hour))
					var at []time.Time
					err := retry.Run(t.Context(), func(context.Context) error {
						if at = append(at, time.Now()); len(at) == 1 {
							return serverError
						}
						return nil
					}, opts...)
					if err != nil || len(at) != 2 {
						t.Fatalf("Run(%v) = %v after %d attempts; want nil after 2", opts, err, len(at))
					}
					if gap := at[1].Sub(at[0]); gap < 45*time.Second {
						t.Errorf("Run(%v) made its second attempt %v after the first, which opened the breaker; want its break, 45s or more", opts, gap)
					}
				}
			})
		}},
		{"a result classifier judges the first value", func(t *testing.T) {
			judge := retry.ClassifyResult(func(v int) (classify.Class, bool) { return classify.Transient, v == 0 })
			for _, opts := range shapes(judge) {
				calls := 0
				v, err := retry.Do(context.Background(), func(context.Context) (int, error) {
					calls++
					return calls - 1, nil
				}, append(opts, retry.Backoff(backoff.Constant(0)))...)
				if v != 1 || err != nil || calls != 2 {
					t.Errorf("Do(%v) = %d, %v after %d calls; want 1, nil after 2", opts, v, err, calls)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}

// serverError is a failure that a breaker counts.
var serverError = &statusError{code: 503}

func inline(opt retry.Option) []retry.Option  { return []retry.Option{opt} }
func bundled(opt retry.Option) []retry.Option { return []retry.Option{retry.Options(opt)} }

// overridden is a bundle followed by an option of the call's own, which
// takes another way through option resolution.
func overridden(opt retry.Option) []retry.Option {
	return []retry.Option{retry.Options(opt), retry.MaxAttempts(6)}
}

// shapes returns the ways for a call to pass opt.
func shapes(opt retry.Option) [][]retry.Option {
	return [][]retry.Option{inline(opt), bundled(opt), overridden(opt)}
}

// TestCallsWithoutSetUpGoOnFromTheFirstAttempt runs a call whose options
// ask for no set-up to every end it can come to, and checks its error, its
// count of attempts, and that no goroutine outlives it.
func TestCallsWithoutSetUpGoOnFromTheFirstAttempt(t *testing.T) {
	tests := []struct {
		name       string
		op         leakOp
		cancelAt   time.Duration // 0: never
		ctxTimeout time.Duration // of the caller's context; 0: none
		done       bool          // the caller's context is done before the call
		opts       []retry.Option
		wantErr    error // nil: success
		wantPanic  bool
		wantCalls  int
	}{
		{name: "success at once", op: leakOp{succeedAt: 1}, wantCalls: 1},
		{name: "success after waits", op: leakOp{succeedAt: 3}, wantCalls: 3},
		{name: "exhaustion after waits", op: leakOp{}, opts: []retry.Option{retry.MaxAttempts(3)}, wantErr: retry.ErrMaxAttempts, wantCalls: 3},
		{name: "permanent at once", op: leakOp{err: permanent}, wantErr: retry.ErrPermanent, wantCalls: 1},
		{name: "unknown cap", op: leakOp{err: unknown}, wantErr: retry.ErrMaxUnknownAttempts, wantCalls: 2},
		{name: "class cap", op: leakOp{err: rateLimit}, opts: []retry.Option{retry.MaxAttemptsFor(classify.RateLimit, 2)}, wantErr: retry.ErrMaxClassAttempts, wantCalls: 2},
		{name: "wait does not fit", op: leakOp{}, opts: []retry.Option{retry.MaxRetryTime(1500 * time.Millisecond)}, wantErr: retry.ErrDeadline, wantCalls: 2},
		{name: "context deadline during the first attempt", op: leakOp{block: true}, ctxTimeout: 3 * time.Second, wantErr: retry.ErrDeadline, wantCalls: 1},
		{name: "context done before the call", op: leakOp{}, done: true, wantErr: retry.ErrCancelled, wantCalls: 0},
		{name: "inner loop gave up in the first attempt", op: leakOp{err: errInnerGaveUp}, wantErr: retry.ErrPermanent, wantCalls: 1},
		{name: "cancel during a wait", op: leakOp{}, cancelAt: 1500 * time.Millisecond, wantErr: retry.ErrCancelled, wantCalls: 2},
		{name: "cancel during the first attempt", op: leakOp{block: true}, cancelAt: 30 * time.Second, wantErr: retry.ErrCancelled, wantCalls: 1},
		{name: "panic in the first attempt", op: leakOp{panicAt: 1}, wantPanic: true, wantCalls: 1},
		{name: "panic in an attempt after waits", op: leakOp{panicAt: 3}, wantPanic: true, wantCalls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tt.cancelAt > 0 {
					time.AfterFunc(tt.cancelAt, cancel)
				}
				if tt.ctxTimeout > 0 {
					var cancelTimeout context.CancelFunc
					ctx, cancelTimeout = context.WithTimeout(ctx, tt.ctxTimeout)
					defer cancelTimeout()
				}
				if tt.done {
					cancel()
				}
				synctest.Wait()
				before := bubbleGoroutines()

				op := tt.op
				opts := append([]retry.Option{retry.Backoff(backoff.Constant(time.Second))}, tt.opts...)
				panicked, err := call(opaqueCtx{ctx}, op.do, opts...)

				switch {
				case tt.wantPanic:
					if panicked != errPanic {
						t.Errorf("Do(%v) panicked with %v; want %v", opts, panicked, errPanic)
					}
				case panicked != nil || !errors.Is(err, tt.wantErr):
					t.Errorf("Do(%v) = %v (panic %v); want %v", opts, err, panicked, tt.wantErr)
				case err != nil:
					if got := asError(t, err).Attempts; got != tt.wantCalls {
						t.Errorf("Do(%v) = %v with Attempts %d; want %d", opts, err, got, tt.wantCalls)
					}
				}
				if got := len(op.ctxs); got != tt.wantCalls {
					t.Errorf("Do(%v) called the operation %d times; want %d", opts, got, tt.wantCalls)
				}
				synctest.Wait()
				if after := bubbleGoroutines(); after != before {
					t.Errorf("%d goroutines after Do(%v) returned; want %d, as before", after, opts, before)
				}
			})
		})
	}
}
