package retry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// Types of a user's own whose nil pointers (or nil funcs) make typed nils:
// an interface holding one is not nil, and its methods dereference it.
type (
	ptrClassifier  struct{ class classify.Class }
	ptrStrategy    struct{ d time.Duration }
	ptrSubscriber  struct{ n int }
	ptrSelective   struct{ kinds observe.Set }
	funcSubscriber func(context.Context, observe.Event)
	funcStrategy   func() time.Duration
)

func (c *ptrClassifier) Classify(error) classify.Class               { return c.class }
func (s *ptrStrategy) Delay(backoff.Input) time.Duration             { return s.d }
func (s *ptrStrategy) Validate() error                               { return checkDelay(s.d) }
func (s *ptrSubscriber) Handle(context.Context, observe.Event)       { s.n++ }
func (s *ptrSelective) Handle(context.Context, observe.Event)        {}
func (s *ptrSelective) Kinds() observe.Set                           { return s.kinds }
func (f funcSubscriber) Handle(ctx context.Context, e observe.Event) { f(ctx, e) }
func (f funcStrategy) Delay(backoff.Input) time.Duration             { return f() }

func checkDelay(d time.Duration) error {
	if d < 0 {
		return errors.New("negative")
	}
	return nil
}

// errMine is the error that the classifiers, strategies and subscribers of a
// user's own report from their Validate method.
var errMine = errors.New("mine is misconfigured")

// Values of a user's own that check themselves, and find a fault.
type (
	badClassifier struct{}
	badStrategy   struct{}
	badSubscriber struct{}
)

func (badClassifier) Classify(error) classify.Class         { return classify.Transient }
func (badClassifier) Validate() error                       { return fmt.Errorf("my classifier: %w", errMine) }
func (badStrategy) Delay(backoff.Input) time.Duration       { return 0 }
func (badStrategy) Validate() error                         { return fmt.Errorf("my strategy: %w", errMine) }
func (badSubscriber) Handle(context.Context, observe.Event) {}
func (badSubscriber) Validate() error                       { return fmt.Errorf("my subscriber: %w", errMine) }

// inputCall runs retry.Do with the options that build makes (it may
// panic), in the shape wrap gives them, and an operation that fails twice
// with a Transient error, then succeeds. Call it in a synctest bubble, so
// that the waits take no time. It returns the number of attempts, what
// panicked, if anything did, while building the options or during the
// call, and Do's error.
func inputCall(build func() []retry.Option, wrap func([]retry.Option) []retry.Option) (calls int, panicked any, err error) {
	defer func() { panicked = recover() }()
	opts := build()
	if wrap != nil {
		opts = wrap(opts)
	}
	op := func(context.Context) (int, error) {
		calls++
		if calls <= 2 {
			return 0, transient
		}
		return 1, nil
	}
	_, err = retry.Do(context.Background(), op, opts...)
	return calls, nil, err
}

// The shapes in which a list of options reaches Do: as given, as a lone
// bundle (resolved when Options is called), as a bundle followed by an
// override, and as a bundle nested in a bundle.
var inputShapes = []struct {
	name string
	wrap func([]retry.Option) []retry.Option
}{
	{"as given", nil},
	{"in a bundle", func(o []retry.Option) []retry.Option { return []retry.Option{retry.Options(o...)} }},
	{"in a bundle with an override", func(o []retry.Option) []retry.Option {
		return []retry.Option{retry.Options(o...), retry.Name("override")}
	}},
	{"in a nested bundle", func(o []retry.Option) []retry.Option {
		return []retry.Option{retry.Options(retry.Name("outer"), retry.Options(o...))}
	}},
}

// TestInvalidInput sweeps the options of retry and the constructors of
// classify, backoff and observe for nil, typed nil, zero, negative, NaN,
// infinite and out-of-range values. Each must fail the call with an error
// matching ErrInvalidOption that names the option and the value, before the
// operation is called, and never panic: not when the option is made, not
// when the call starts, not later in the call.
func TestInvalidInput(t *testing.T) {
	var rec observe.Recorder
	one := backoff.Constant(time.Second)
	tests := []struct {
		name string
		opts func() []retry.Option
		want []string // substrings of the error's text, in order
	}{
		// retry's own options.
		{"MaxAttempts zero", opt(retry.MaxAttempts(0)), []string{"MaxAttempts(0)", "at least 1"}},
		{"MaxAttempts negative", opt(retry.MaxAttempts(-1)), []string{"MaxAttempts(-1)", "at least 1"}},
		{"MaxAttempts MinInt", opt(retry.MaxAttempts(math.MinInt)), []string{"MaxAttempts(-9223372036854775808)", "at least 1"}},
		{"MaxUnknownAttempts zero", opt(retry.MaxUnknownAttempts(0)), []string{"MaxUnknownAttempts(0)", "at least 1"}},
		{"MaxUnknownAttempts negative", opt(retry.MaxUnknownAttempts(-5)), []string{"MaxUnknownAttempts(-5)", "at least 1"}},
		{"MaxAttemptsFor not a class", opt(retry.MaxAttemptsFor(classify.Class(99), 3)), []string{"MaxAttemptsFor(classify.Class(99), 3)", "not a class"}},
		{"MaxAttemptsFor largest Class", opt(retry.MaxAttemptsFor(classify.Class(255), 3)), []string{"MaxAttemptsFor(classify.Class(255), 3)", "not a class"}},
		{"MaxAttemptsFor Permanent", opt(retry.MaxAttemptsFor(classify.Permanent, 3)), []string{"MaxAttemptsFor(classify.Permanent, 3)", "never retried"}},
		{"MaxAttemptsFor zero", opt(retry.MaxAttemptsFor(classify.RateLimit, 0)), []string{"MaxAttemptsFor(classify.RateLimit, 0)", "at least 1"}},
		{"Deadline zero", opt(retry.Deadline(0)), []string{"Deadline(0s)", "positive"}},
		{"Deadline negative", opt(retry.Deadline(-time.Second)), []string{"Deadline(-1s)", "positive"}},
		{"Deadline MinInt64", opt(retry.Deadline(math.MinInt64)), []string{"Deadline(-2562047h47m16.854775808s)", "positive"}},
		{"AttemptTimeout zero", opt(retry.AttemptTimeout(0)), []string{"AttemptTimeout(0s)", "positive"}},
		{"AttemptTimeout negative", opt(retry.AttemptTimeout(-1)), []string{"AttemptTimeout(-1ns)", "positive"}},
		{"MaxRetryAfter zero", opt(retry.MaxRetryAfter(0)), []string{"MaxRetryAfter(0s)", "positive"}},
		{"MaxRetryAfter negative", opt(retry.MaxRetryAfter(-time.Hour)), []string{"MaxRetryAfter(-1h0m0s)", "positive"}},
		{"Rand nil", opt(retry.Rand(nil)), []string{"Rand(…)", "nil"}},
		{"nil option", opt(nil), []string{"option 0 is nil"}},
		{"nil option after others", opt(retry.Name("x"), nil), []string{"option 1 is nil"}},
		{"Options with a nil member", opt(retry.Options(retry.Name("x"), nil)), []string{"Options", "option 1 is nil"}},
		{"Options nested with a nil member", opt(retry.Options(retry.Options(nil))), []string{"Options", "option 0 is nil"}},
		{"option of another type", opt(struct{ retry.Option }{retry.MaxAttempts(3)}), []string{"not one this package made"}},
		{"option of another type embedding nil", opt(struct{ retry.Option }{}), []string{"not one this package made"}},

		// Budgets.
		{"nil Budget", func() []retry.Option { return []retry.Option{(*retry.Budget)(nil)} }, []string{"nil *retry.Budget"}},
		{"nil Budget after others", func() []retry.Option { return []retry.Option{retry.Name("x"), (*retry.Budget)(nil)} }, []string{"nil *retry.Budget"}},
		{"nil Budget in Options", func() []retry.Option { return []retry.Option{retry.Options(retry.Name("x"), (*retry.Budget)(nil))} }, []string{"Options", "nil *retry.Budget"}},
		{"nil Budget in nested Options", func() []retry.Option {
			return []retry.Option{retry.Options(retry.Options((*retry.Budget)(nil)))}
		}, []string{"Options", "nil *retry.Budget"}},
		{"Budget negative ratio", opt(retry.NewBudget(-0.1, 10)), []string{"Budget(-0.1, 10)", "ratio -0.1"}},
		{"Budget NaN ratio", opt(retry.NewBudget(math.NaN(), 10)), []string{"Budget(NaN, 10)", "ratio NaN"}},
		{"Budget infinite ratio", opt(retry.NewBudget(math.Inf(1), 10)), []string{"Budget(+Inf, 10)", "ratio +Inf"}},
		{"Budget ratio too large", opt(retry.NewBudget(1001, 10)), []string{"Budget(1001, 10)", "ratio 1001"}},
		{"Budget zero burst", opt(retry.NewBudget(0.1, 0)), []string{"Budget(0.1, 0)", "burst 0"}},
		{"Budget negative burst", opt(retry.NewBudget(0.1, math.MinInt)), []string{"burst -9223372036854775808"}},
		{"Budget huge burst", opt(retry.NewBudget(0.1, math.MaxInt)), []string{"burst 9223372036854775807", "too large"}},

		// Classifiers.
		{"Classifier nil", opt(retry.Classifier(nil)), []string{"Classifier(<nil>)", "classifier is nil"}},
		{"Classifier nil Func", opt(retry.Classifier(classify.Func(nil))), []string{"Classifier", "nil classify.Func"}},
		{"Classifier nil pointer", opt(retry.Classifier((*ptrClassifier)(nil))), []string{"Classifier", "nil *retry_test.ptrClassifier"}},
		{"Classifier Match of nil", opt(retry.Classifier(classify.Match[*statusError](nil))), []string{"Classifier", "classify.Match[*retry_test.statusError]", "function is nil"}},
		{"Classifier Is of nil", opt(retry.Classifier(classify.Is(nil, classify.Permanent))), []string{"Classifier", "classify.Is(<nil>, classify.Permanent)", "target is nil"}},
		{"Classifier Is of no class", opt(retry.Classifier(classify.Is(errReset, classify.Class(99)))), []string{"Classifier", "classify.Is(connection reset, classify.Class(99))", "not a class"}},
		{"Classifier As of no class", opt(retry.Classifier(classify.As[*statusError](classify.Class(6)))), []string{"Classifier", "classify.As[*retry_test.statusError](classify.Class(6))", "not a class"}},
		{"Classifier Chain with a Match of nil", opt(retry.Classifier(classify.Chain(classify.Default(), classify.Match[*statusError](nil)))), []string{"Classifier", "function is nil"}},
		{"Classifier Chain in a Chain with a bad class", opt(retry.Classifier(classify.Chain(classify.Chain(classify.Is(errReset, classify.Class(42)))))), []string{"Classifier", "classify.Class(42)", "not a class"}},
		{"Classifier of your own that reports a fault", opt(retry.Classifier(badClassifier{})), []string{"Classifier", "my classifier: mine is misconfigured"}},
		{"Classifier of your own in a Chain", opt(retry.Classifier(classify.Chain(classify.Default(), badClassifier{}))), []string{"Classifier", "my classifier: mine is misconfigured"}},

		// Strategies.
		{"Backoff nil", opt(retry.Backoff(nil)), []string{"Backoff(<nil>)", "strategy is nil"}},
		{"Backoff nil Func", opt(retry.Backoff(backoff.Func(nil))), []string{"Backoff(backoff.Func(nil))", "strategy is a nil backoff.Func"}},
		{"Backoff nil pointer", opt(retry.Backoff((*ptrStrategy)(nil))), []string{"Backoff", "nil *retry_test.ptrStrategy"}},
		{"Backoff nil func of your own", opt(retry.Backoff(funcStrategy(nil))), []string{"Backoff", "nil retry_test.funcStrategy"}},
		{"Backoff Cap of nil", opt(retry.Backoff(backoff.Cap(time.Second, nil))), []string{"Backoff", "backoff.Cap(1s, <nil>): strategy is nil"}},
		{"Backoff Cap of a nil pointer", opt(retry.Backoff(backoff.Cap(time.Second, (*ptrStrategy)(nil)))), []string{"Backoff", "backoff.Cap(1s, <nil>)", "nil *retry_test.ptrStrategy"}},
		{"Backoff Jitter of a nil func", opt(retry.Backoff(backoff.Jitter(0.5, funcStrategy(nil)))), []string{"Backoff", "backoff.Jitter(0.5", "nil retry_test.funcStrategy"}},
		{"Backoff Floor of Cap of nil Func", opt(retry.Backoff(backoff.Floor(1, backoff.Cap(time.Second, backoff.Func(nil))))), []string{"Backoff", "backoff.Func(nil): function is nil"}},
		{"Backoff negative Constant", opt(retry.Backoff(backoff.Constant(-1))), []string{"Backoff", "backoff.Constant(-1ns)", "delay -1ns"}},
		{"Backoff cap below base", opt(retry.Backoff(backoff.Exponential(2*time.Second, time.Second))), []string{"Backoff", "cap 1s", "base 2s"}},
		{"Backoff NaN jitter", opt(retry.Backoff(backoff.Jitter(math.NaN(), one))), []string{"Backoff", "fraction NaN"}},
		{"Backoff infinite growth", opt(retry.Backoff(backoff.EqualJitterGrowth(1, 2, math.Inf(1)))), []string{"Backoff", "growth +Inf"}},
		{"Backoff NaN growth", opt(retry.Backoff(backoff.EqualJitterGrowth(1, 2, math.NaN()))), []string{"Backoff", "growth NaN"}},
		{"Backoff negative Floor", opt(retry.Backoff(backoff.Floor(math.MinInt64, one))), []string{"Backoff", "min -2562047h47m16.854775808s"}},
		{"Backoff negative Cap", opt(retry.Backoff(backoff.Cap(-1, one))), []string{"Backoff", "max -1ns"}},
		{"Backoff of your own that reports a fault", opt(retry.Backoff(badStrategy{})), []string{"Backoff", "my strategy: mine is misconfigured"}},
		{"Backoff of your own, nil, with a Validate", opt(retry.Backoff(backoff.Jitter(1, (*ptrStrategy)(nil)))), []string{"Backoff", "nil *retry_test.ptrStrategy"}},
		{"BackoffFor nil", opt(retry.BackoffFor(classify.RateLimit, nil)), []string{"BackoffFor(classify.RateLimit, <nil>)", "strategy is nil"}},
		{"BackoffFor nil pointer", opt(retry.BackoffFor(classify.RateLimit, (*ptrStrategy)(nil))), []string{"BackoffFor", "classify.RateLimit", "nil *retry_test.ptrStrategy"}},
		{"BackoffFor not a class", opt(retry.BackoffFor(classify.Class(99), one)), []string{"BackoffFor(classify.Class(99), backoff.Constant(1s))", "not a class"}},
		{"BackoffFor Permanent", opt(retry.BackoffFor(classify.Permanent, one)), []string{"BackoffFor(classify.Permanent, backoff.Constant(1s))", "never retried"}},
		{"BackoffFor invalid strategy", opt(retry.BackoffFor(classify.Transient, backoff.Constant(-1))), []string{"BackoffFor(classify.Transient)", "backoff.Constant(-1ns)"}},

		// Subscribers.
		{"Subscribe nil", opt(retry.Subscribe(nil)), []string{"Subscribe(<nil>)", "subscriber 0 is nil"}},
		{"Subscribe nil after one", opt(retry.Subscribe(&rec, nil)), []string{"Subscribe(*observe.Recorder, <nil>)", "subscriber 1 is nil"}},
		{"Subscribe nil Recorder", opt(retry.Subscribe((*observe.Recorder)(nil))), []string{"Subscribe", "subscriber 0 is a nil *observe.Recorder"}},
		{"Subscribe nil pointer after one", opt(retry.Subscribe(&rec, (*ptrSubscriber)(nil))), []string{"Subscribe", "subscriber 1 is a nil *retry_test.ptrSubscriber"}},
		{"Subscribe nil Selective", opt(retry.Subscribe((*ptrSelective)(nil))), []string{"Subscribe", "subscriber 0 is a nil *retry_test.ptrSelective"}},
		{"Subscribe nil func of your own", opt(retry.Subscribe(funcSubscriber(nil))), []string{"Subscribe", "subscriber 0 is a nil retry_test.funcSubscriber"}},
		{"Subscribe Func of nil", func() []retry.Option {
			return []retry.Option{retry.Subscribe(observe.Func[observe.Retry](nil))}
		}, []string{"Subscribe", "observe.Func[observe.Retry]", "function is nil"}},
		{"Subscribe Func of an Event of nil", func() []retry.Option {
			return []retry.Option{retry.Subscribe(observe.Func[observe.Event](nil))}
		}, []string{"Subscribe", "observe.Func[observe.Event]", "function is nil"}},
		{"Subscribe Func of a pointer event", func() []retry.Option {
			return []retry.Option{retry.Subscribe(observe.Func(func(*observe.Retry) {}))}
		}, []string{"Subscribe", "observe.Func[*observe.Retry]", "use Func[observe.Retry]"}},
		{"Subscribe Multi with a Func of nil", func() []retry.Option {
			return []retry.Option{retry.Subscribe(observe.Multi(&rec, observe.Func[observe.Success](nil)))}
		}, []string{"Subscribe", "observe.Func[observe.Success]", "function is nil"}},
		{"Subscribe of your own that reports a fault", opt(retry.Subscribe(badSubscriber{})), []string{"Subscribe", "my subscriber: mine is misconfigured"}},
		{"Subscribe Multi of your own that reports a fault", opt(retry.Subscribe(observe.Multi(badSubscriber{}))), []string{"Subscribe", "my subscriber: mine is misconfigured"}},

		// Order: the first invalid option is the one reported.
		{"first of two invalid options", opt(retry.Subscribe((*observe.Recorder)(nil)), retry.MaxAttempts(0)), []string{"nil *observe.Recorder"}},
		{"invalid option after a nil Budget", func() []retry.Option {
			return []retry.Option{(*retry.Budget)(nil), retry.MaxAttempts(0)}
		}, []string{"nil *retry.Budget"}},
	}
	for _, tt := range tests {
		for _, shape := range inputShapes {
			t.Run(tt.name+"/"+shape.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					calls, panicked, err := inputCall(tt.opts, shape.wrap)
					if panicked != nil {
						t.Fatalf("Do panicked: %v; want an error matching ErrInvalidOption", panicked)
					}
					if !errors.Is(err, retry.ErrInvalidOption) {
						t.Errorf("Do(…) = %v; want an error matching ErrInvalidOption", err)
					} else if !containsInOrder(err.Error(), tt.want) {
						t.Errorf("Do(…) = %q; want it to name %q", err, tt.want)
					}
					if calls != 0 {
						t.Errorf("Do(…) called the operation %d times; want never", calls)
					}
				})
			})
		}
	}
}

// TestValidEdgeInput checks the values at the edges that are valid, and
// what they mean: the call runs, with no error and no panic, exercising the
// classifier, the strategy and the subscribers.
func TestValidEdgeInput(t *testing.T) {
	var rec observe.Recorder
	f := backoff.Func(func(backoff.Input) time.Duration { return 0 })
	tests := []struct {
		name string
		opts func() []retry.Option
	}{
		{"no options", opt()},
		{"Options of nothing", opt(retry.Options())},
		{"Options of a nil slice", opt(retry.Options(nil...))},
		{"Options of empty Options", opt(retry.Options(retry.Options(), retry.Options()))},
		{"MaxAttempts MaxInt", opt(retry.MaxAttempts(math.MaxInt))},
		{"MaxUnknownAttempts MaxInt", opt(retry.MaxUnknownAttempts(math.MaxInt))},
		{"MaxAttemptsFor MaxInt", opt(retry.MaxAttemptsFor(classify.Transient, math.MaxInt))},
		{"Deadline MaxInt64", opt(retry.Deadline(math.MaxInt64))},
		{"Deadline MaxInt64 after NoDeadline", opt(retry.NoDeadline(), retry.Deadline(math.MaxInt64))},
		{"NoDeadline", opt(retry.NoDeadline())},
		{"AttemptTimeout MaxInt64", opt(retry.AttemptTimeout(math.MaxInt64))},
		{"AttemptTimeout MaxInt64 with Deadline MaxInt64", opt(retry.Deadline(math.MaxInt64), retry.AttemptTimeout(math.MaxInt64))},
		{"MaxRetryAfter MaxInt64", opt(retry.MaxRetryAfter(math.MaxInt64))},
		{"Name empty", opt(retry.Name(""))},
		{"Subscribe of nothing", opt(retry.Subscribe())},
		{"Subscribe Multi of nils", func() []retry.Option {
			return []retry.Option{retry.Subscribe(observe.Multi(nil, (*observe.Recorder)(nil), (*ptrSelective)(nil), funcSubscriber(nil)))}
		}},
		{"Subscribe Multi of nothing", opt(retry.Subscribe(observe.Multi()))},
		{"Subscribe Slog", opt(retry.Subscribe(observe.Slog(slog.New(slog.DiscardHandler))))},
		{"Subscribe Recorder", opt(retry.Subscribe(&rec))},
		{"Subscribe Selective of no kinds", opt(retry.Subscribe(&ptrSelective{}))},
		{"Subscribe Selective of kinds that are not", opt(retry.Subscribe(&ptrSelective{kinds: 1<<31 | 1}))},
		{"Classifier empty Chain", opt(retry.Classifier(classify.Chain()), retry.MaxUnknownAttempts(3))},
		{"Classifier Chain of nils", func() []retry.Option {
			return []retry.Option{retry.Classifier(classify.Chain(nil, classify.Func(nil), (*ptrClassifier)(nil), classify.Default()))}
		}},
		{"Classifier of your own inventing a class", opt(retry.Classifier(&ptrClassifier{class: 200}), retry.MaxUnknownAttempts(3))},
		{"Classifier Func", opt(retry.Classifier(classify.Func(func(error) classify.Class { return classify.Transient })))},
		{"Classifier Match", opt(retry.Classifier(classify.Chain(classify.Match(func(*statusError) classify.Class { return classify.Class(77) }), classify.Default())))},
		{"Classifier Is Unknown", opt(retry.Classifier(classify.Chain(classify.Is(errReset, classify.Unknown), classify.Default())))},
		{"Backoff Exponential of zeros", opt(retry.Backoff(backoff.Exponential(0, 0)))},
		{"Backoff FullJitter of zeros", opt(retry.Backoff(backoff.FullJitter(0, 0)))},
		{"Backoff Cap 0 of a Func", opt(retry.Backoff(backoff.Cap(0, f)))},
		{"Backoff Cap 0 of a huge Floor", opt(retry.Backoff(backoff.Cap(0, backoff.Floor(math.MaxInt64, f))))},
		{"Backoff Jitter 1 of zero", opt(retry.Backoff(backoff.Jitter(1, backoff.Constant(0))))},
		{"Backoff growth MaxFloat64 capped at 0", opt(retry.Backoff(backoff.Cap(0, backoff.EqualJitterGrowth(1, math.MaxInt64, math.MaxFloat64))))},
		{"Backoff of your own, not nil", opt(retry.Backoff(&ptrStrategy{}))},
		{"BackoffFor of every class", func() []retry.Option {
			var opts []retry.Option
			for c := range classify.Class(classify.NumClasses) {
				if c != classify.Permanent {
					opts = append(opts, retry.BackoffFor(c, backoff.Constant(0)))
				}
			}
			return opts
		}},
		{"Budget ratio 0", func() []retry.Option { return []retry.Option{retry.NewBudget(0, 2)} }},
		{"Budget ratio 1000", func() []retry.Option { return []retry.Option{retry.NewBudget(1000, 2)} }},
		{"Budget largest burst", opt(retry.NewBudget(0.1, math.MaxInt64/1_000_000))},
		{"NoBudget after a Budget", opt(retry.NewBudget(0.1, 1), retry.NoBudget())},
		{"Rand", opt(retry.Rand(rand.New(rand.NewPCG(1, 2))))},
	}
	for _, tt := range tests {
		for _, shape := range inputShapes {
			t.Run(tt.name+"/"+shape.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					calls, panicked, err := inputCall(tt.opts, shape.wrap)
					if panicked != nil {
						t.Fatalf("Do panicked: %v; want success", panicked)
					}
					if err != nil || calls != 3 {
						t.Errorf("Do(…) = %v after %d attempts; want nil after 3", err, calls)
					}
				})
			})
		}
	}
}

// opt returns a builder of opts, for a row whose options are made before
// the call.
func opt(opts ...retry.Option) func() []retry.Option {
	return func() []retry.Option { return opts }
}

// containsInOrder reports whether s contains each of subs, one after the
// other.
func containsInOrder(s string, subs []string) bool {
	for _, sub := range subs {
		i := strings.Index(s, sub)
		if i < 0 {
			return false
		}
		s = s[i+len(sub):]
	}
	return true
}

// TestInvalidOptionKeepsTheCallersError checks that an option that fails
// because of an error of the caller's own (what the Validate method of a
// classifier, strategy or subscriber of theirs reports) keeps that error
// whole: errors.Is reaches it, however deep it was found, and the error
// still matches ErrInvalidOption.
func TestInvalidOptionKeepsTheCallersError(t *testing.T) {
	tests := []struct {
		name string
		opt  retry.Option
	}{
		{"Backoff", retry.Backoff(badStrategy{})},
		{"Backoff of a decorator", retry.Backoff(backoff.Floor(1, backoff.Cap(time.Second, badStrategy{})))},
		{"BackoffFor", retry.BackoffFor(classify.RateLimit, badStrategy{})},
		{"Classifier", retry.Classifier(badClassifier{})},
		{"Classifier of a Chain", retry.Classifier(classify.Chain(classify.Default(), classify.Chain(badClassifier{})))},
		{"Subscribe", retry.Subscribe(&observe.Recorder{}, badSubscriber{})},
		{"Subscribe of a Multi", retry.Subscribe(observe.Multi(observe.Multi(badSubscriber{})))},
		{"in nested bundles", retry.Options(retry.Options(retry.Name("x"), retry.Subscribe(badSubscriber{})))},
	}
	for _, tt := range tests {
		called := false
		err := retry.Run(context.Background(), func(context.Context) error { called = true; return nil }, tt.opt)
		if !errors.Is(err, errMine) || !errors.Is(err, retry.ErrInvalidOption) || called {
			t.Errorf("%s: Run(%v) = %v (called: %v); want an error that is both %v and %v, op not called",
				tt.name, tt.opt, err, called, errMine, retry.ErrInvalidOption)
		}
	}
}

// Checking options costs no allocation: a call with a classifier and a
// strategy of its own, both checked for typed nils and Validate, still
// keeps its options and configuration on its stack.
func TestValidationAllocatesNothing(t *testing.T) {
	skipIfRace(t)
	ctx := context.Background()
	ok := func(context.Context) (int, error) { return 1, nil }
	cl := classify.Chain(classify.Is(errBad, classify.Permanent), classify.Default())
	s := backoff.Cap(time.Second, backoff.Jitter(0.5, backoff.Exponential(time.Millisecond, time.Second)))
	// A call without options allocates its attempts' context (see
	// TestAllocs); checking options adds nothing to it.
	base := testing.AllocsPerRun(100, func() { retry.Do(ctx, ok) })
	got := testing.AllocsPerRun(100, func() {
		retry.Do(ctx, ok, retry.Classifier(cl), retry.Backoff(s), retry.BackoffFor(classify.RateLimit, s), retry.MaxAttempts(3))
	})
	if got != base {
		t.Errorf("Do with a classifier and strategies of its own: %v allocs; want %v, as without options", got, base)
	}
}

// A nil context fails the call with ErrInvalidOption, before any attempt,
// rather than panicking in the loop.
func TestNilContext(t *testing.T) {
	called := false
	//lint:ignore SA1012 the nil context is the test
	_, err := retry.Do(nil, func(context.Context) (int, error) { called = true; return 1, nil }) //nolint:staticcheck
	if !errors.Is(err, retry.ErrInvalidOption) || called {
		t.Errorf("Do(nil, op) = %v (called: %v); want ErrInvalidOption, op not called", err, called)
	}
	if err == nil || !strings.Contains(err.Error(), "context is nil") {
		t.Errorf("Do(nil, op) error = %v; want it to say the context is nil", err)
	}
	//lint:ignore SA1012 the nil context is the test
	if err := retry.Run(nil, func(context.Context) error { called = true; return nil }); !errors.Is(err, retry.ErrInvalidOption) || called { //nolint:staticcheck
		t.Errorf("Run(nil, op) = %v (called: %v); want ErrInvalidOption, op not called", err, called)
	}
}
