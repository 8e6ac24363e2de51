package retry

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
)

// resolveForTest resolves opts as loop does, into a configuration.
func resolveForTest(opts []Option) config {
	if cfg := resolved(opts); cfg != nil {
		return *cfg
	}
	from, first := origin(opts)
	c := *from
	applyAll(&c, opts, first)
	c.settle()
	return c
}

// TestDrawlessClasses pins which classes' delays skip the random draw:
// those whose strategy, the default one or their own, ignores
// Input.Random, in calls without a source of their own, however the options come (the
// draws themselves are tested in draw_test.go).
func TestDrawlessClasses(t *testing.T) {
	all := []classify.Class{classify.Concurrency, classify.RateLimit, classify.ServerError, classify.Transient, classify.Unknown}
	except := func(skip ...classify.Class) []classify.Class {
		var cs []classify.Class
		for _, c := range all {
			if !slices.Contains(skip, c) {
				cs = append(cs, c)
			}
		}
		return cs
	}
	constant := Backoff(backoff.Constant(0))
	jitter := Backoff(backoff.FullJitter(time.Millisecond, time.Second))
	seeded := Rand(rand.New(rand.NewPCG(1, 2)))
	tests := []struct {
		name string
		opts []Option
		want []classify.Class // that draw nothing
	}{
		{"no options: decorrelated jitter", nil, nil},
		{"options without a strategy", []Option{MaxAttempts(3)}, nil},
		{"Constant", []Option{constant}, all},
		{"Constant in a bundle", []Option{Options(constant)}, all},
		{"Constant in a bundle, then other options", []Option{Options(constant), MaxAttempts(3)}, all},
		{"Exponential under Cap and Floor", []Option{Backoff(backoff.Cap(time.Second, backoff.Floor(time.Millisecond, backoff.Exponential(time.Millisecond, time.Second))))}, all},
		{"jittered", []Option{jitter}, nil},
		{"a Func", []Option{Backoff(backoff.Func(func(backoff.Input) time.Duration { return 0 }))}, nil},
		{"Constant with Rand after", []Option{constant, seeded}, nil},
		{"Constant with Rand before", []Option{seeded, constant}, nil},
		{"a bundle of Constant, with Rand", []Option{Options(constant), seeded}, nil},
		{"a bundle of Constant, overridden", []Option{Options(constant), jitter}, nil},
		{"Constant, with a jittered class", []Option{constant, BackoffFor(classify.Transient, backoff.FullJitter(0, time.Second))}, except(classify.Transient)},
		{"a jittered class, then Constant", []Option{BackoffFor(classify.RateLimit, backoff.FullJitter(0, time.Second)), constant}, except(classify.RateLimit)},
		// A class's own strategy is looked inside as the default one is.
		{"Constant, with a Constant class", []Option{constant, BackoffFor(classify.Concurrency, backoff.Constant(time.Second))}, all},
		{"jittered, with a Constant class", []Option{jitter, BackoffFor(classify.Concurrency, backoff.Constant(time.Second))}, []classify.Class{classify.Concurrency}},
		{"a Constant class, then a jittered one for it", []Option{BackoffFor(classify.Concurrency, backoff.Constant(time.Second)), BackoffFor(classify.Concurrency, backoff.FullJitter(0, time.Second))}, nil},
		{"a jittered class, then a Constant one for it", []Option{BackoffFor(classify.Concurrency, backoff.FullJitter(0, time.Second)), BackoffFor(classify.Concurrency, backoff.Constant(time.Second))}, []classify.Class{classify.Concurrency}},
		{"a Constant class with Rand", []Option{BackoffFor(classify.Concurrency, backoff.Constant(time.Second)), seeded}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := resolveForTest(tt.opts)
			if c.err != nil {
				t.Fatalf("options %v: %v", tt.opts, c.err)
			}
			for _, class := range all {
				r := run{cfg: &c}
				if got, want := r.draws(class), !slices.Contains(tt.want, class); got != want {
					t.Errorf("options %v: draws(%v) = %v; want %v", tt.opts, class, got, want)
				}
			}
		})
	}
}
