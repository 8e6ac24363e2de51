package retry

import (
	"math/rand/v2"
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
// those whose strategy ignores Input.Random, in calls without a source of
// their own, however the options come (the draws themselves are tested in
// draw_test.go).
func TestDrawlessClasses(t *testing.T) {
	var all classes = 1<<classify.NumClasses - 1
	except := func(cs ...classify.Class) classes {
		s := all
		for _, c := range cs {
			s &^= 1 << c
		}
		return s
	}
	only := func(cs ...classify.Class) classes { return all &^ except(cs...) }
	constant := Backoff(backoff.Constant(0))
	jitter := Backoff(backoff.FullJitter(time.Millisecond, time.Second))
	seeded := Rand(rand.New(rand.NewPCG(1, 2)))
	tests := []struct {
		name string
		opts []Option
		want classes
	}{
		{"no options: decorrelated jitter", nil, 0},
		{"options without a strategy", []Option{MaxAttempts(3)}, 0},
		{"Constant", []Option{constant}, all},
		{"Constant in a bundle", []Option{Options(constant)}, all},
		{"Constant in a bundle, then other options", []Option{Options(constant), MaxAttempts(3)}, all},
		{"Exponential under Cap and Floor", []Option{Backoff(backoff.Cap(time.Second, backoff.Floor(time.Millisecond, backoff.Exponential(time.Millisecond, time.Second))))}, all},
		{"jittered", []Option{jitter}, 0},
		{"a Func", []Option{Backoff(backoff.Func(func(backoff.Input) time.Duration { return 0 }))}, 0},
		{"Constant with Rand after", []Option{constant, seeded}, 0},
		{"Constant with Rand before", []Option{seeded, constant}, 0},
		{"a bundle of Constant, with Rand", []Option{Options(constant), seeded}, 0},
		{"a bundle of Constant, overridden", []Option{Options(constant), jitter}, 0},
		{"Constant, with a jittered class", []Option{constant, BackoffFor(classify.Transient, backoff.FullJitter(0, time.Second))}, except(classify.Transient)},
		{"a jittered class, then Constant", []Option{BackoffFor(classify.RateLimit, backoff.FullJitter(0, time.Second)), constant}, except(classify.RateLimit)},
		{"jittered, with a Constant class", []Option{jitter, BackoffFor(classify.Concurrency, backoff.Constant(time.Second))}, only(classify.Concurrency)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := resolveForTest(tt.opts)
			if c.err != nil {
				t.Fatalf("options %v: %v", tt.opts, c.err)
			}
			if c.drawless != tt.want {
				t.Errorf("options %v: drawless = %06b; want %06b", tt.opts, c.drawless, tt.want)
			}
		})
	}
}
