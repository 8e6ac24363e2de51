package bench

import (
	"context"
	"testing"

	failsafego "github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/retrypolicy"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

// The result scenarios time a policy that judges the values an operation
// returns, not only its errors: a value the predicate rejects is retried as
// an error is. The policy is Reused's (at most 5 attempts, no delay, no
// jitter, no overall limit, built once, the call's context per call) with a
// predicate that rejects "pending" and keeps every error retried.
//
//   - SuccessResult: the operation returns "done" at once, which the
//     predicate accepts; against SuccessReused it shows what the predicate
//     costs a call that needs no retry.
//   - Poll5: the operation returns "pending" 4 times, then "done": five
//     attempts, no delay, as a poll of a job that is not done yet.
//
// reflexio's predicate is retry.ClassifyResult. Only failsafe-go of the
// peers has a result predicate (HandleIf; HandleResult compares with
// reflect.DeepEqual); the hand-written loop is the floor.

const (
	pending = "pending"
	done    = "done"
)

// The shapes of an operation that returns a status.
type (
	statusOp     = func(context.Context) (string, error)
	bareStatusOp = func() (string, error)
)

// resultLib is one library set up for the result scenarios.
type resultLib[Op any] struct {
	name string
	// done returns done at once; it is safe for concurrent use.
	done Op
	// poll returns an operation that returns pending 4 times in every 5
	// calls, then done.
	poll func() Op
	// call calls op with the reused policy and its result predicate.
	call func(context.Context, Op) (string, error)
	// adapt turns a plain operation into the library's shape.
	adapt func(context.Context, statusOp) Op
}

// resultEntry is a resultLib with its operation shape hidden.
type resultEntry struct {
	name  string
	bench map[string]func(*testing.B)
	run   func(ctx context.Context, op statusOp) (string, error)
}

const (
	successResult = "SuccessResult"
	poll5         = "Poll5"
)

// resultLibs is every library that has a result predicate, and the floor.
var resultLibs = []resultEntry{
	reflexioResult.entry(),
	handLoopResult.entry(),
	failsafeResult.entry(),
}

func (l resultLib[Op]) entry() resultEntry {
	return resultEntry{
		name: l.name,
		bench: map[string]func(*testing.B){
			successResult: func(b *testing.B) { benchCalls(b, l.call, l.done) },
			poll5: func(b *testing.B) {
				ctx, op := context.Background(), l.poll()
				b.ReportAllocs()
				for b.Loop() {
					if v, err := l.call(ctx, op); v != done || err != nil {
						b.Fatalf("%q, %v; want %q, <nil>", v, err, done)
					}
				}
			},
		},
		run: func(ctx context.Context, op statusOp) (string, error) {
			return l.call(ctx, l.adapt(ctx, op))
		},
	}
}

func benchResults(b *testing.B, s string) {
	for _, l := range resultLibs {
		b.Run("lib="+l.name, l.bench[s])
	}
}

func BenchmarkSuccessResult(b *testing.B) { benchResults(b, successResult) }
func BenchmarkPoll5(b *testing.B)         { benchResults(b, poll5) }

func doneCtx(context.Context) (string, error) { return done, nil }

func doneBare() (string, error) { return done, nil }

// pollCtx returns an operation that returns pending 4 times in every 5
// calls, then done. It is not safe for concurrent use.
func pollCtx() statusOp {
	n := 0
	return func(context.Context) (string, error) {
		if n++; n%5 != 0 {
			return pending, nil
		}
		return done, nil
	}
}

// isPending is the loop's predicate.
func isPending(v string) bool { return v == pending }

var handLoopResult = resultLib[statusOp]{
	name: "loop",
	done: doneCtx,
	poll: pollCtx,
	call: func(ctx context.Context, op statusOp) (string, error) {
		return loopDo(ctx, op, 5, 0, 0, isPending, nil)
	},
	adapt: func(_ context.Context, op statusOp) statusOp { return op },
}

// reflexioResultPolicy is reflexio's reused policy with a result
// classifier that rejects pending as Transient.
var reflexioResultPolicy = retry.Options(reflexioPolicy,
	retry.ClassifyResult(func(v string) (classify.Class, bool) { return classify.Transient, v == pending }))

var reflexioResult = resultLib[statusOp]{
	name: "reflexio",
	done: doneCtx,
	poll: pollCtx,
	call: func(ctx context.Context, op statusOp) (string, error) {
		return retry.Do(ctx, op, reflexioResultPolicy)
	},
	adapt: func(_ context.Context, op statusOp) statusOp {
		return func(ctx context.Context) (string, error) {
			v, err := op(ctx)
			return v, classify.MarkTransient(err)
		}
	},
}

// failsafeResultExec is failsafe's reused policy with a predicate that
// rejects pending. HandleIf replaces the default "every error is a
// failure", so the predicate keeps it.
var failsafeResultExec = failsafego.With(retrypolicy.NewBuilder[string]().
	WithMaxAttempts(5).
	ReturnLastFailure().
	HandleIf(func(v string, err error) bool { return err != nil || v == pending }).
	Build())

var failsafeResult = resultLib[bareStatusOp]{
	name: "failsafe",
	done: doneBare,
	poll: func() bareStatusOp {
		op := pollCtx()
		return func() (string, error) { return op(context.Background()) }
	},
	call: func(ctx context.Context, op bareStatusOp) (string, error) {
		return failsafeResultExec.WithContext(ctx).Get(op)
	},
	adapt: func(ctx context.Context, op statusOp) bareStatusOp {
		return func() (string, error) { return op(ctx) }
	},
}

// checkResults checks that l's result policy is configured as the result
// scenarios say; TestConfigs calls it.
func checkResults(t *testing.T, l resultEntry) {
	for _, tt := range []struct {
		name    string
		errs    int      // errors before the results
		results []string // then errBench for ever
		// want is the value returned: with a nil error if it is done,
		// with an error if it is "", and with whatever error the library
		// returns on giving up on a rejected value if it is pending.
		want  string
		calls int
	}{
		{name: "done at once", results: []string{done}, want: done, calls: 1},
		{name: "poll5 ends at the fifth attempt", results: []string{pending, pending, pending, pending, done}, want: done, calls: 5},
		{name: "pending for ever gives up after 5 attempts", results: []string{pending, pending, pending, pending, pending, pending}, want: pending, calls: 5},
		{name: "errors are still retried", errs: 2, results: []string{done}, want: done, calls: 3},
		{name: "errors give up after 5 attempts", calls: 5},
	} {
		var calls counter
		op := func(context.Context) (string, error) {
			calls.add()
			n := calls.get()
			if n <= tt.errs || n > tt.errs+len(tt.results) {
				return "", errBench
			}
			return tt.results[n-tt.errs-1], nil
		}
		v, err := l.run(context.Background(), op)
		errOK := tt.want == pending || (err == nil) == (tt.want == done)
		if v != tt.want || !errOK || calls.get() != tt.calls {
			t.Errorf("%s: %q, %v after %d attempts; want %q after %d", tt.name, v, err, calls.get(), tt.want, tt.calls)
		}
	}
}
