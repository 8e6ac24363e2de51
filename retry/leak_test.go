package retry_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// opaqueCtx hides the cancellable context it wraps from package context, so
// that every context derived from it needs a goroutine to follow it, which
// exits only when the derived context is cancelled. A call that forgets to
// cancel an attempt's context leaves that goroutine behind.
type opaqueCtx struct{ context.Context }

func (opaqueCtx) Value(any) any { return nil }

// bubbleGoroutines returns the number of goroutines in the caller's
// synctest bubble, as tracebacks tell them. Goroutines of other tests come
// and go at any time, so runtime.NumGoroutine would be flaky here; it is
// the fallback if tracebacks do not name bubbles.
func bubbleGoroutines() int {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	// The first goroutine is the caller: "goroutine 7 [running, synctest bubble 1]:".
	first, _, _ := bytes.Cut(buf, []byte("\n"))
	i := bytes.Index(first, []byte("synctest bubble "))
	j := bytes.LastIndexByte(first, ']')
	if i < 0 || j < i {
		return runtime.NumGoroutine()
	}
	tag := first[i : j+1] // "synctest bubble 1]"
	n := 0
	for line := range bytes.Lines(buf) {
		if bytes.HasPrefix(line, []byte("goroutine ")) && bytes.Contains(line, tag) {
			n++
		}
	}
	return n
}

// errPanic is what the panicking operations and subscribers panic with.
var errPanic = errors.New("boom")

// call runs Do and returns what it returned, or what it panicked with.
func call(ctx context.Context, op func(context.Context) (int, error), opts ...retry.Option) (panicked any, err error) {
	defer func() { panicked = recover() }()
	_, err = retry.Do(ctx, op, opts...)
	return nil, err
}

// leakOp is an operation for TestNothingOutlivesACall: it fails with a
// Transient error until attempt succeedAt (never if 0), panics at attempt
// panicAt (never if 0), blocks until its context ends if block, and keeps
// each attempt's context.
type leakOp struct {
	succeedAt, panicAt int
	block              bool
	err                error // what a failing attempt returns; nil: transient
	ctxs               []context.Context
}

func (o *leakOp) do(ctx context.Context) (int, error) {
	o.ctxs = append(o.ctxs, ctx)
	switch n := len(o.ctxs); {
	case n == o.panicAt:
		panic(errPanic)
	case n == o.succeedAt:
		return 1, nil
	case o.block:
		return blockUntilDone(ctx)
	case o.err == errInnerGaveUp:
		retry.Run(ctx, func(context.Context) error { return transient },
			retry.MaxAttempts(2), retry.Backoff(backoff.Constant(time.Second)))
		return 0, classify.MarkTransient(errInnerGaveUp)
	case o.err != nil:
		return 0, o.err
	}
	return 0, transient
}

// TestNothingOutlivesACall runs a call to every end it can come to, with
// and without a Deadline (whose context has a timer of its own), and checks
// that every attempt's context is done and no goroutine is left.
func TestNothingOutlivesACall(t *testing.T) {
	spent := retry.NewBudget(0.1, 1)
	for range 100 { // spend the burst and whatever the budget earned
		retry.Run(context.Background(), func(context.Context) error { return transient },
			spent, retry.Backoff(backoff.Constant(0)))
	}
	panicInRetry := retry.Subscribe(observe.Func(func(e observe.Retry) {
		if e.Attempt == 2 {
			panic(errPanic)
		}
	}))
	tests := []struct {
		name       string
		op         leakOp
		cancelAt   time.Duration // 0: never
		ctxTimeout time.Duration // of the caller's context; 0: none
		opts       []retry.Option
		wantErr    error // nil: success
		wantPanic  bool
	}{
		{name: "success at once", op: leakOp{succeedAt: 1}},
		{name: "success after waits", op: leakOp{succeedAt: 3}},
		{name: "exhaustion after waits", op: leakOp{}, opts: []retry.Option{retry.MaxAttempts(3)}, wantErr: retry.ErrMaxAttempts},
		{name: "permanent after waits", op: leakOp{err: permanent}, wantErr: retry.ErrPermanent},
		{name: "unknown cap", op: leakOp{err: unknown}, wantErr: retry.ErrMaxUnknownAttempts},
		{name: "class cap", op: leakOp{err: rateLimit}, opts: []retry.Option{retry.MaxAttemptsFor(classify.RateLimit, 2)}, wantErr: retry.ErrMaxClassAttempts},
		{name: "budget refuses", op: leakOp{}, opts: []retry.Option{spent}, wantErr: retry.ErrBudgetExhausted},
		{name: "wait does not fit", op: leakOp{}, opts: []retry.Option{retry.MaxRetryTime(1500 * time.Millisecond)}, wantErr: retry.ErrDeadline},
		{name: "context deadline during an attempt", op: leakOp{block: true}, ctxTimeout: 3 * time.Second, wantErr: retry.ErrDeadline},
		{name: "inner loop gave up", op: leakOp{err: errInnerGaveUp}, wantErr: retry.ErrPermanent},
		{name: "cancel during a wait", op: leakOp{}, cancelAt: 1500 * time.Millisecond, wantErr: retry.ErrCancelled},
		{name: "cancel during an attempt", op: leakOp{block: true}, cancelAt: 30 * time.Second, wantErr: retry.ErrCancelled},
		{name: "attempt ends at the deadline", op: leakOp{block: true}, opts: []retry.Option{retry.Deadline(5 * time.Second)}, wantErr: retry.ErrDeadline},
		{name: "panic in the first attempt", op: leakOp{panicAt: 1}, wantPanic: true},
		{name: "panic in an attempt after waits", op: leakOp{panicAt: 3}, wantPanic: true},
		{name: "panic in a subscriber", op: leakOp{}, opts: []retry.Option{panicInRetry}, wantPanic: true},
	}
	for _, tt := range tests {
		for _, deadline := range []time.Duration{0, time.Hour} {
			name := tt.name
			if deadline > 0 {
				name += ", with a Deadline"
				// First, so that a row's own Deadline wins.
				tt.opts = append([]retry.Option{retry.Deadline(deadline)}, tt.opts...)
			}
			t.Run(name, func(t *testing.T) {
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
					synctest.Wait()
					before := bubbleGoroutines()

					op := tt.op
					opts := append([]retry.Option{retry.AttemptTimeout(time.Minute), retry.Backoff(backoff.Constant(time.Second))}, tt.opts...)
					panicked, err := call(opaqueCtx{ctx}, op.do, opts...)

					if tt.wantPanic {
						if panicked != errPanic {
							t.Errorf("Do(%v) panicked with %v; want %v", opts, panicked, errPanic)
						}
					} else if panicked != nil || !errors.Is(err, tt.wantErr) {
						t.Errorf("Do(%v) = %v (panic %v); want %v", opts, err, panicked, tt.wantErr)
					}
					// Every attempt's context is done, by cancellation or by its
					// own deadline: nothing of it is left running.
					for i, c := range op.ctxs {
						if c.Err() == nil {
							t.Errorf("attempt %d's context is not done after Do(%v) returned", i+1, opts)
						}
					}
					synctest.Wait()
					if after := bubbleGoroutines(); after != before {
						t.Errorf("%d goroutines after Do(%v) returned; want %d, as before", after, opts, before)
					}
				})
			})
		}
	}
}

// The attempt's context of a panicking operation is cancelled, not left to
// time out.
func TestPanicInOperationCancelsTheAttemptContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var attemptCtx context.Context
		panicked, err := call(t.Context(), func(ctx context.Context) (int, error) {
			attemptCtx = ctx
			panic(errPanic)
		}, retry.AttemptTimeout(time.Hour))
		if panicked != errPanic || err != nil {
			t.Fatalf("Do(…) = %v, panic %v; want a panic with %v", err, panicked, errPanic)
		}
		if got := attemptCtx.Err(); got != context.Canceled {
			t.Errorf("attempt's ctx.Err() = %v; want %v", got, context.Canceled)
		}
	})
}

// A panic in a subscriber unwinds one call, and leaves the bundle it came
// through as it was: the next call behaves as if nothing happened.
func TestPanicInSubscriberLeavesTheBundleIntact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		explode := true
		var rec observe.Recorder
		bundle := retry.Options(
			retry.Backoff(backoff.Constant(time.Second)),
			retry.Subscribe(observe.Func(func(observe.Retry) {
				if explode {
					panic(errPanic)
				}
			}), &rec),
		)
		f := newOp(transient)
		if panicked, _ := call(t.Context(), f.do, bundle); panicked != errPanic {
			t.Fatalf("Do(…) panicked with %v; want %v", panicked, errPanic)
		}
		explode = false
		rec.Reset()
		f = newOp(transient)
		v, err := retry.Do(t.Context(), f.do, bundle)
		if v != 42 || err != nil {
			t.Errorf("Do(…) after a panic = %v, %v; want 42, nil", v, err)
		}
		if got := len(rec.Events()); got != 2 {
			t.Errorf("Do(…) after a panic sent %d events; want 2", got)
		}
	})
}

// errInnerGaveUp tells a leakOp to run a loop of its own on the attempt's
// context, which retries and gives up, and then to fail with a Transient
// error of its own.
var errInnerGaveUp = errors.New("inner loop gave up")
