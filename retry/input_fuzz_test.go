package retry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// FuzzOptions builds a list of options from the input, with nils, typed
// nils, bundles nested in bundles and invalid numbers among them, and calls
// Do with it and an operation that fails a few times. Whatever the list,
// nothing panics: not building the options, not printing them, not the
// call. A list with an invalid option, at any depth, fails with
// ErrInvalidOption and never calls the operation; a valid one calls it.
// Time is fake, so waits cost nothing.
func FuzzOptions(f *testing.F) {
	// The first byte is the number of failures, the second the number of
	// options; then each option, by the choices of fuzzInput.option.
	f.Add([]byte{})
	f.Add([]byte{2, 1, 0})                               // a nil option
	f.Add([]byte{1, 1, 15})                              // a nil *Budget
	f.Add([]byte{1, 1, 17, 2, 8, 0, 15})                 // a nil *Budget in a bundle
	f.Add([]byte{3, 1, 12, 3, 1, 2, 3})                  // typed-nil subscribers
	f.Add([]byte{0, 1, 9, 9, 3, 0, 1, 2})                // a Chain of nils
	f.Add([]byte{0, 1, 10, 9, 0, 0})                     // a Cap of nil
	f.Add([]byte{2, 1, 11, 7, 4, 3})                     // BackoffFor a class that is not
	f.Add([]byte{3, 4, 1, 1, 10, 9, 4, 13, 4, 14, 5, 1}) // huge numbers, valid
	f.Fuzz(func(t *testing.T, data []byte) {
		synctest.Test(t, func(t *testing.T) {
			in := &fuzzInput{b: data}
			failures := int(in.byte() % 4)
			opts, valid := in.options(0)
			// Printing must not panic either, even without fmt's recover;
			// but a nil pointer's methods are nobody's to call, and the
			// String of a type of the caller's is theirs.
			for _, o := range opts {
				_, foreign := o.(struct{ retry.Option })
				if o != nil && o != retry.Option((*retry.Budget)(nil)) && !foreign {
					_ = o.String()
				}
			}
			_ = fmt.Sprint(opts)

			ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
			defer cancel()
			calls := 0
			_, err := retry.Do(ctx, func(context.Context) (int, error) {
				calls++
				if calls <= failures {
					if calls%2 == 0 {
						return 0, classify.MarkRateLimit(errBusy, time.Second)
					}
					return 0, transient
				}
				return 1, nil
			}, opts...)

			if !valid {
				if !errors.Is(err, retry.ErrInvalidOption) || calls != 0 {
					t.Fatalf("Do(%v) = %v after %d calls; want ErrInvalidOption, op not called", opts, err, calls)
				}
				return
			}
			if errors.Is(err, retry.ErrInvalidOption) || calls == 0 {
				t.Fatalf("Do(%v) = %v after %d calls; want the op called, no ErrInvalidOption", opts, err, calls)
			}
		})
	})
}

// fuzzInput reads choices from a fuzzer's bytes, 0 once they run out.
type fuzzInput struct{ b []byte }

func (in *fuzzInput) byte() byte {
	if len(in.b) == 0 {
		return 0
	}
	c := in.b[0]
	in.b = in.b[1:]
	return c
}

func pick[T any](in *fuzzInput, xs ...T) T { return xs[int(in.byte())%len(xs)] }

func (in *fuzzInput) int() int {
	return pick(in, 1, 3, 0, -1, 2, math.MaxInt, math.MinInt, 100)
}

func (in *fuzzInput) duration() time.Duration {
	return pick(in, 0, time.Millisecond, -1, time.Second, math.MaxInt64, math.MinInt64, 1, time.Hour)
}

func (in *fuzzInput) float() float64 {
	return pick(in, 0.5, 0, 1, 0.1, -0.1, 1.5, math.NaN(), math.Inf(1), math.Inf(-1), 1000, 1001, math.MaxFloat64)
}

// class returns a class, and whether it is one of the constants.
func (in *fuzzInput) class() (classify.Class, bool) {
	c := classify.Class(int(in.byte()) % (classify.NumClasses + 2))
	return c, int(c) < classify.NumClasses
}

// options returns a list of options and whether every one of them is
// valid. depth bounds the nesting of bundles.
func (in *fuzzInput) options(depth int) ([]retry.Option, bool) {
	n := int(in.byte() % 5)
	opts := make([]retry.Option, 0, n)
	valid := true
	for range n {
		o, ok := in.option(depth)
		opts = append(opts, o)
		valid = valid && ok
	}
	return opts, valid
}

// option returns an option and whether it is valid.
func (in *fuzzInput) option(depth int) (retry.Option, bool) {
	switch in.byte() % 20 {
	case 0:
		return nil, false
	case 1:
		n := in.int()
		return retry.MaxAttempts(n), n >= 1
	case 2:
		n := in.int()
		return retry.MaxUnknownAttempts(n), n >= 1
	case 3:
		c, ok := in.class()
		n := in.int()
		return retry.MaxAttemptsFor(c, n), ok && c != classify.Permanent && n >= 1
	case 4:
		d := in.duration()
		return retry.Deadline(d), d > 0
	case 5:
		return retry.NoDeadline(), true
	case 6:
		d := in.duration()
		return retry.AttemptTimeout(d), d > 0
	case 7:
		d := in.duration()
		return retry.MaxRetryAfter(d), d > 0
	case 8:
		return retry.Name(pick(in, "", "users.get", "\x00")), true
	case 9:
		cl, ok := in.classifier(depth)
		return retry.Classifier(cl), ok
	case 10:
		s, ok := in.strategy(depth)
		return retry.Backoff(s), ok
	case 11:
		c, cok := in.class()
		s, ok := in.strategy(depth)
		return retry.BackoffFor(c, s), ok && cok && c != classify.Permanent
	case 12:
		n := int(in.byte() % 4)
		subs := make([]observe.Subscriber, 0, n)
		valid := true
		for range n {
			s, ok := in.subscriber(depth, false)
			subs = append(subs, s)
			valid = valid && ok
		}
		return retry.Subscribe(subs...), valid
	case 13:
		if in.byte()%2 == 0 {
			return retry.Rand(nil), false
		}
		return retry.Rand(rand.New(rand.NewPCG(1, uint64(in.byte())))), true
	case 14:
		ratio := in.float()
		burst := pick(in, 10, 1, 0, -1, math.MaxInt, math.MaxInt64/1_000_000, math.MaxInt64/1_000_000+1)
		return retry.NewBudget(ratio, burst), ratio >= 0 && ratio <= 1000 && burst >= 1 && burst <= math.MaxInt64/1_000_000
	case 15:
		return (*retry.Budget)(nil), false
	case 16:
		return retry.NoBudget(), true
	case 18:
		return retry.NoSubscribers(), true
	case 17:
		if depth >= 3 {
			return retry.Options(), true
		}
		opts, ok := in.options(depth + 1)
		return retry.Options(opts...), ok
	default:
		o, _ := in.option(depth)
		return struct{ retry.Option }{o}, false // not an Option this package made
	}
}

// classifier returns a classifier and whether retry.Classifier accepts it.
func (in *fuzzInput) classifier(depth int) (classify.Classifier, bool) {
	switch in.byte() % 11 {
	case 0:
		return nil, false
	case 1:
		return classify.Func(nil), false
	case 2:
		return (*ptrClassifier)(nil), false
	case 3:
		return classify.Default(), true
	case 4:
		c, _ := in.class()
		return classify.Is(nil, c), false
	case 5:
		c, ok := in.class()
		return classify.Is(errReset, c), ok
	case 6:
		c, ok := in.class()
		return classify.As[*statusError](c), ok
	case 7:
		return classify.Match[*statusError](nil), false
	case 8:
		return classify.Func(func(error) classify.Class { return classify.Class(in.byte()) }), true
	case 9:
		// A Chain skips nil members of every kind; any other bad member
		// makes it bad.
		n := int(in.byte() % 4)
		members := make([]classify.Classifier, 0, n+1)
		valid := true
		for range n {
			if depth >= 3 {
				members = append(members, classify.Default())
				continue
			}
			c, ok := in.classifier(depth + 1)
			switch c.(type) {
			case nil, classify.Func, *ptrClassifier:
				if !ok { // a nil of some kind: skipped
					ok = true
				}
			}
			members = append(members, c)
			valid = valid && ok
		}
		return classify.Chain(members...), valid
	default:
		return badClassifier{}, false
	}
}

// strategy returns a strategy and whether retry.Backoff accepts it.
func (in *fuzzInput) strategy(depth int) (backoff.Strategy, bool) {
	baseCap := func() (time.Duration, time.Duration, bool) {
		b, c := in.duration(), in.duration()
		return b, c, b >= 0 && c >= 0 && c >= b
	}
	inner := func() (backoff.Strategy, bool) {
		if depth >= 3 {
			return backoff.Constant(0), true
		}
		return in.strategy(depth + 1)
	}
	switch in.byte() % 15 {
	case 0:
		return nil, false
	case 1:
		return backoff.Func(nil), false
	case 2:
		return (*ptrStrategy)(nil), false
	case 3:
		return funcStrategy(nil), false
	case 4:
		d := in.duration()
		return backoff.Constant(d), d >= 0
	case 5:
		b, c, ok := baseCap()
		return backoff.Exponential(b, c), ok
	case 6:
		b, c, ok := baseCap()
		return backoff.FullJitter(b, c), ok
	case 7:
		b, c, ok := baseCap()
		g := in.float()
		return backoff.EqualJitterGrowth(b, c, g), ok && g >= 1 && !math.IsInf(g, 0)
	case 8:
		b, c, ok := baseCap()
		return backoff.DecorrelatedJitter(b, c), ok
	case 9:
		d := in.duration()
		s, ok := inner()
		return backoff.Cap(d, s), ok && d >= 0
	case 10:
		d := in.duration()
		s, ok := inner()
		return backoff.Floor(d, s), ok && d >= 0
	case 11:
		fr := in.float()
		s, ok := inner()
		return backoff.Jitter(fr, s), ok && fr >= 0 && fr <= 1
	case 12:
		d := in.duration()
		return backoff.Func(func(backoff.Input) time.Duration { return d }), true
	case 13:
		d := in.duration()
		return &ptrStrategy{d}, d >= 0
	default:
		return badStrategy{}, false
	}
}

// subscriber returns a subscriber and whether retry.Subscribe accepts it,
// or, in a Multi, whether Multi takes it without complaint.
func (in *fuzzInput) subscriber(depth int, inMulti bool) (observe.Subscriber, bool) {
	switch in.byte() % 12 {
	case 0:
		return nil, inMulti
	case 1:
		return (*observe.Recorder)(nil), inMulti
	case 2:
		return funcSubscriber(nil), inMulti
	case 3:
		return (*ptrSelective)(nil), inMulti
	case 4:
		return &observe.Recorder{}, true
	case 5:
		return observe.Func[observe.Retry](nil), false
	case 6:
		return observe.Func(func(*observe.Retry) {}), false
	case 7:
		return observe.Func(func(observe.Event) {}), true
	case 8:
		return &ptrSelective{kinds: observe.Set(in.byte()) << 24}, true
	case 9:
		return observe.Slog(slog.New(slog.DiscardHandler)), true
	case 10:
		n := int(in.byte() % 4)
		members := make([]observe.Subscriber, 0, n)
		valid := true
		for range n {
			if depth >= 3 {
				break
			}
			s, ok := in.subscriber(depth+1, true)
			members = append(members, s)
			valid = valid && ok
		}
		return observe.Multi(members...), valid
	default:
		return badSubscriber{}, false
	}
}
