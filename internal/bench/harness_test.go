package bench

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// The shapes of an operation: with the context, as reflexio, go-retry and
// the hand-written loop take it, and without, as backoff, retry-go and
// failsafe-go take it (the operation captures the context it needs).
type (
	ctxOp  = func(context.Context) (int, error)
	bareOp = func() (int, error)
)

// errBench is the failure of the Retry scenarios, before each library's own
// marking makes it retryable where one is needed.
var errBench = errors.New("bench: connection reset")

// lib is one library set up for every scenario, with Op the shape of
// operation it takes. Every library gets the same policy in each scenario:
// at most 5 attempts, no delay, no jitter, and every error of the
// operation retried; an overall limit of one minute in the Bundle
// scenarios, for every library that has one, and none, not even a default
// one, elsewhere; the call's context, in every call, where the library
// accepts one per call. Operations and errors are built once, outside the
// timed loops, so that what is timed is the library's own work.
type lib[Op any] struct {
	name string

	// ok succeeds at once; it is safe for concurrent use.
	ok Op
	// flaky returns an operation that fails twice with an error the library
	// retries, then succeeds, and so on: every call of a loop that stops at
	// the first success makes three attempts. The error is built once.
	flaky func() Op

	// inline calls op with the policy built in the call, as code that
	// writes its options at the call site does.
	inline func(context.Context, Op) (int, error)
	// reused calls op with the same policy built once, before the timed
	// loop, or as much of it as the library lets calls share (README.md
	// says what each shares).
	reused func(context.Context, Op) (int, error)
	// bundle is reused with a one-minute overall limit added, for the
	// libraries that have one, and for reflexio the settings of its
	// benchmark bundle that the peers have no equivalent of.
	bundle func(context.Context, Op) (int, error)
	// observed returns reused plus a subscriber that counts events in
	// *events, built once.
	observed func(events *int) func(context.Context, Op) (int, error)

	// limit says whether the library has an overall time limit, so that
	// bundle has one.
	limit bool
	// sharedCtx says whether the reused policy is bound to its context when
	// it is built, the library taking none per call: the reused, bundle and
	// observed forms then run with context.Background(), their default.
	sharedCtx bool

	// adapt turns a plain operation into the library's shape, marking its
	// errors retryable where the library asks for that. For the tests: it
	// costs a call and, for some, an allocation.
	adapt func(context.Context, ctxOp) Op
	// timed calls op with at most attempts attempts and a constant delay
	// without jitter, configured for this call and bound to ctx as each
	// library's documentation asks. For the real-time reports.
	timed func(ctx context.Context, attempts int, delay time.Duration, op Op) (int, error)
}

// entry is a lib with its operation shape hidden, so that all of them fit in
// one list.
type entry struct {
	name      string
	limit     bool
	sharedCtx bool
	bench     map[string]func(*testing.B)
	// run calls op as scenario s does, adapting op to the library's shape;
	// events receives the count of the Retry3Observed scenario.
	run   func(s string, ctx context.Context, op ctxOp, events *int) (int, error)
	timed func(ctx context.Context, attempts int, delay time.Duration, op ctxOp) (int, error)
}

// The scenarios, in the order of the tables. Success and Retry3 build the
// policy in the call; the Reused, Bundle and Observed ones build it once;
// the Bundle ones, and Parallel, add a one-minute overall limit.
const (
	success        = "Success"
	successReused  = "SuccessReused"
	successBundle  = "SuccessBundle"
	retry3         = "Retry3"
	retry3Reused   = "Retry3Reused"
	retry3Bundle   = "Retry3Bundle"
	retry3Observed = "Retry3Observed"
	parallel       = "Parallel"
)

// libs is every library, in the order of the columns of benchstat's table:
// reflexio first, so that the other columns read as differences from it.
var libs = []entry{
	reflexio.entry(),
	handLoop.entry(),
	backoffV5.entry(),
	backoffV7.entry(),
	retryGoV4.entry(),
	retryGoV5.entry(),
	goRetry.entry(),
	failsafe.entry(),
}

func (l lib[Op]) entry() entry {
	return entry{
		name:      l.name,
		limit:     l.limit,
		sharedCtx: l.sharedCtx,
		bench: map[string]func(*testing.B){
			success:        func(b *testing.B) { benchCalls(b, l.inline, l.ok) },
			successReused:  func(b *testing.B) { benchCalls(b, l.reused, l.ok) },
			successBundle:  func(b *testing.B) { benchCalls(b, l.bundle, l.ok) },
			retry3:         func(b *testing.B) { benchCalls(b, l.inline, l.flaky()) },
			retry3Reused:   func(b *testing.B) { benchCalls(b, l.reused, l.flaky()) },
			retry3Bundle:   func(b *testing.B) { benchCalls(b, l.bundle, l.flaky()) },
			retry3Observed: l.benchObserved,
			parallel:       l.benchParallel,
		},
		run: func(s string, ctx context.Context, op ctxOp, events *int) (int, error) {
			native := l.adapt(ctx, op)
			switch s {
			case success, retry3:
				return l.inline(ctx, native)
			case successReused, retry3Reused:
				return l.reused(ctx, native)
			case successBundle, retry3Bundle, parallel:
				return l.bundle(ctx, native)
			case retry3Observed:
				return l.observed(events)(ctx, native)
			}
			panic("no scenario " + s)
		},
		timed: func(ctx context.Context, attempts int, delay time.Duration, op ctxOp) (int, error) {
			return l.timed(ctx, attempts, delay, l.adapt(ctx, op))
		},
	}
}

// benchCalls times call(ctx, op), which must succeed.
func benchCalls[Op, T any](b *testing.B, call func(context.Context, Op) (T, error), op Op) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := call(ctx, op); err != nil {
			b.Fatal(err)
		}
	}
}

func (l lib[Op]) benchObserved(b *testing.B) {
	events := 0
	benchCalls(b, l.observed(&events), l.flaky())
	if events == 0 {
		b.Fatal("the subscriber saw no event")
	}
}

// benchParallel times SuccessBundle with the one shared bundle on every
// goroutine.
func (l lib[Op]) benchParallel(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.bundle(ctx, l.ok); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchScenario runs scenario s for every library, as s/lib=name.
func benchScenario(b *testing.B, s string) {
	for _, l := range libs {
		b.Run("lib="+l.name, l.bench[s])
	}
}

func BenchmarkSuccess(b *testing.B)        { benchScenario(b, success) }
func BenchmarkSuccessReused(b *testing.B)  { benchScenario(b, successReused) }
func BenchmarkSuccessBundle(b *testing.B)  { benchScenario(b, successBundle) }
func BenchmarkRetry3(b *testing.B)         { benchScenario(b, retry3) }
func BenchmarkRetry3Reused(b *testing.B)   { benchScenario(b, retry3Reused) }
func BenchmarkRetry3Bundle(b *testing.B)   { benchScenario(b, retry3Bundle) }
func BenchmarkRetry3Observed(b *testing.B) { benchScenario(b, retry3Observed) }
func BenchmarkParallel(b *testing.B)       { benchScenario(b, parallel) }

func okCtx(context.Context) (int, error) { return 1, nil }

func okBare() (int, error) { return 1, nil }

// failTwiceCtx returns an operation that fails with err twice in every three
// calls, then succeeds. It is not safe for concurrent use.
func failTwiceCtx(err error) ctxOp {
	n := 0
	return func(context.Context) (int, error) {
		n++
		if n%3 != 0 {
			return 0, err
		}
		return 1, nil
	}
}

// failTwiceBare is failTwiceCtx for the operations that take no context.
func failTwiceBare(err error) bareOp {
	n := 0
	return func() (int, error) {
		n++
		if n%3 != 0 {
			return 0, err
		}
		return 1, nil
	}
}

// bareAdapt adapts a plain operation to a library that takes none,
// leaving its errors as they are: the library retries every error.
func bareAdapt(ctx context.Context, op ctxOp) bareOp {
	return func() (int, error) { return op(ctx) }
}

// counter counts an operation's calls; safe for concurrent use.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) add() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
