package retry_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// The operation's own errors. The marked ones are what an operation returns;
// the loop reports the bare ones, with the marker stripped.
var (
	errReset   = errors.New("connection reset")
	errBad     = errors.New("bad request")
	errBusy    = errors.New("too many requests")
	errMystery = errors.New("mystery")

	transient = classify.MarkTransient(errReset)
	permanent = classify.MarkPermanent(errBad)
	rateLimit = classify.MarkRateLimit(errBusy, 0) // no hint
	unknown   = errMystery                         // the default classifier has no opinion
)

// zeroSource is a random source that always draws 0, so that jitter, and
// the spread of a server's hint, are zero.
type zeroSource struct{}

func (zeroSource) Uint64() uint64 { return 0 }

// noJitter makes a call's random draws zero.
var noJitter = retry.Rand(rand.New(zeroSource{}))

// statusError is a client's error type with an HTTP status, which the default
// classifier reads through StatusCode.
type statusError struct{ code int }

func (e *statusError) Error() string   { return "status " + strconv.Itoa(e.code) }
func (e *statusError) StatusCode() int { return e.code }

// hintError is a client's error type that carries a server's hint through a
// RetryAfter method, and no class.
type hintError struct{ after time.Duration }

func (e *hintError) Error() string             { return "slow down" }
func (e *hintError) RetryAfter() time.Duration { return e.after }

// fakeOp is an operation that fails with errs[i] on attempt i+1, returning a
// non-zero value alongside each error, and succeeds with 42 after them. It
// records when each attempt started and the context it was given. Make it
// inside the synctest bubble, so that its clock is the bubble's.
type fakeOp struct {
	errs  []error
	start time.Time
	at    []time.Duration   // when each attempt started, since start
	ctxs  []context.Context // the context of each attempt
	delay time.Duration     // how long each attempt takes
}

func newOp(errs ...error) *fakeOp {
	return &fakeOp{errs: errs, start: time.Now()}
}

func (o *fakeOp) do(ctx context.Context) (int, error) {
	o.at = append(o.at, time.Since(o.start))
	o.ctxs = append(o.ctxs, ctx)
	if o.delay > 0 {
		time.Sleep(o.delay)
	}
	n := len(o.at)
	if n <= len(o.errs) {
		return -n, o.errs[n-1]
	}
	return 42, nil
}

func (o *fakeOp) run(ctx context.Context) error {
	_, err := o.do(ctx)
	return err
}

// calls returns the number of attempts made.
func (o *fakeOp) calls() int { return len(o.at) }

// repeat returns n copies of err.
func repeat(err error, n int) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}

// seconds returns the durations of ss, in seconds.
func seconds(ss ...float64) []time.Duration {
	ds := make([]time.Duration, len(ss))
	for i, s := range ss {
		ds[i] = time.Duration(s * float64(time.Second))
	}
	return ds
}

// asError returns err as a *retry.Error, failing the test if it is not one.
func asError(t *testing.T, err error) *retry.Error {
	t.Helper()
	e, ok := errors.AsType[*retry.Error](err)
	if !ok {
		t.Fatalf("err = %#v; want a *retry.Error", err)
	}
	return e
}

// diffError compares got, an error Do returned, with want, field by field;
// error fields compare with errors.Is. A nil want means no error.
func diffError(want *retry.Error, got error) string {
	if want == nil || got == nil {
		if want == nil && got == nil {
			return ""
		}
		return cmp.Diff(want, got)
	}
	e, ok := errors.AsType[*retry.Error](got)
	if !ok {
		return "got error " + got.Error() + ", not a *retry.Error"
	}
	// Compare values: *Error is itself an error, which EquateErrors would
	// compare with errors.Is instead of field by field.
	return cmp.Diff(*want, *e, cmpopts.EquateErrors())
}

// diffEvents compares two event streams whole.
func diffEvents(want, got []observe.Event) string {
	return cmp.Diff(want, got, cmpopts.EquateErrors(), cmpopts.EquateEmpty())
}

// stoppedCtx is a context whose end the loop can see only through Err: its
// Done channel never closes, and Err reports Canceled from time at on. It
// stands for the moment when the timer and ctx.Done() are ready together
// and a select picks the timer.
type stoppedCtx struct {
	context.Context
	at time.Time
}

func (c stoppedCtx) Done() <-chan struct{} { return nil }

func (c stoppedCtx) Err() error {
	if time.Now().Before(c.at) {
		return nil
	}
	return context.Canceled
}
