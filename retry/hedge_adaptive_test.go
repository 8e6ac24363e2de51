package retry_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

// takes returns an operation that answers v after d, or returns its
// context's error if that ends first.
func takes(d time.Duration, v int) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return v, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// within reports whether got is the estimate of want: the middle of the
// estimator's bucket, within 1/16 of it.
func within(got, want time.Duration) bool {
	return got >= want-want/16 && got <= want+want/16
}

// hedgedAt runs a call whose first attempt hangs for a minute and whose
// hedge answers at once, and returns when the hedge began.
func hedgedAt(t *testing.T, l *retry.Latency) time.Duration {
	t.Helper()
	op := newHedgeOp(t, hedgeStep{after: time.Minute, v: 1}, hedgeStep{v: 2})
	v, err := retry.DoHedged(context.Background(), op.do, retry.HedgeAdaptive(l, 2))
	if v != 2 || err != nil {
		t.Fatalf("DoHedged = %v, %v; want 2, nil", v, err)
	}
	began, _, _ := op.record()
	return began[1]
}

func TestHedgeAdaptiveFollowsTheQuantile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := retry.NewLatency(retry.LatencyConfig{})
		ctx := context.Background()
		// Calls of 1ms to 100ms: the 95th percentile is 95ms.
		for i := 1; i <= 100; i++ {
			if _, err := retry.DoHedged(ctx, takes(time.Duration(i)*time.Millisecond, i), retry.HedgeAdaptive(l, 2)); err != nil {
				t.Fatalf("DoHedged: %v", err)
			}
			if i == 19 {
				if d := l.Delay(); d != retry.DefaultHedgeCap {
					t.Errorf("Delay() after 19 attempts = %v; want the fallback, %v", d, retry.DefaultHedgeCap)
				}
			}
		}
		d := l.Delay()
		if !within(d, 95*time.Millisecond) {
			t.Errorf("Delay() after attempts of 1ms to 100ms = %v; want about 95ms", d)
		}
		if at := hedgedAt(t, l); at != d {
			t.Errorf("the hedge began at %v; want at Delay(), %v", at, d)
		}
		// The downstream slows down: once the window has forgotten the
		// fast calls, the delay follows.
		for range 100 {
			if _, err := retry.DoHedged(ctx, takes(300*time.Millisecond, 1), retry.HedgeAdaptive(l, 2)); err != nil {
				t.Fatalf("DoHedged: %v", err)
			}
		}
		d = l.Delay()
		if !within(d, 300*time.Millisecond) {
			t.Errorf("Delay() after attempts of 300ms = %v; want about 300ms", d)
		}
		if at := hedgedAt(t, l); at != d {
			t.Errorf("the hedge began at %v; want at Delay(), %v", at, d)
		}
	})
}

func TestHedgeAdaptiveFallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := retry.NewLatency(retry.LatencyConfig{MinSamples: 3, Fallback: 200 * time.Millisecond})
		// Each of these calls is hedged at the fallback, and measures one
		// attempt: the hedge, which answers at once.
		for i := range 3 {
			if at := hedgedAt(t, l); at != 200*time.Millisecond {
				t.Errorf("call %d: the hedge began at %v; want at the fallback, 200ms", i+1, at)
			}
		}
		// Three attempts measured: the quantile (0s) holds, within the floor.
		if d := l.Delay(); d != retry.DefaultHedgeFloor {
			t.Errorf("Delay() = %v; want the floor, %v", d, retry.DefaultHedgeFloor)
		}
		// A quiet Window: the Latency has forgotten them, and falls back.
		time.Sleep(10 * time.Second)
		if d := l.Delay(); d != 200*time.Millisecond {
			t.Errorf("Delay() after a quiet window = %v; want the fallback, 200ms", d)
		}
	})
}

func TestHedgeAdaptiveFloorAndCap(t *testing.T) {
	tests := []struct {
		name  string
		cfg   retry.LatencyConfig
		takes time.Duration
		want  time.Duration
	}{
		{"a quantile below the floor gives the floor", retry.LatencyConfig{Floor: 50 * time.Millisecond}, time.Millisecond, 50 * time.Millisecond},
		{"a quantile above the cap gives the cap", retry.LatencyConfig{Cap: 100 * time.Millisecond}, 500 * time.Millisecond, 100 * time.Millisecond},
		{"the default floor", retry.LatencyConfig{}, 0, retry.DefaultHedgeFloor},
		{"the default cap", retry.LatencyConfig{}, 5 * time.Second, retry.DefaultHedgeCap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := retry.NewLatency(tt.cfg)
				for range 20 {
					if _, err := retry.DoHedged(context.Background(), takes(tt.takes, 1), retry.HedgeAdaptive(l, 2), retry.MaxAttempts(1)); err != nil {
						t.Fatalf("DoHedged: %v", err)
					}
				}
				if d := l.Delay(); d != tt.want {
					t.Errorf("Delay() = %v; want %v", d, tt.want)
				}
				if at := hedgedAt(t, l); at != tt.want {
					t.Errorf("the hedge began at %v; want %v", at, tt.want)
				}
			})
		})
	}
}

// TestHedgeAdaptiveMeasures pins which attempts a Latency measures: those
// that returned by themselves, not those whose context was cancelled. With
// MinSamples 2 and a fallback of 500ms, Delay() stays at the fallback
// while at most one attempt is measured.
func TestHedgeAdaptiveMeasures(t *testing.T) {
	transientErr := classify.MarkTransient(errFailed)
	tests := []struct {
		name     string
		steps    []hedgeStep
		opts     []retry.Option
		cancelAt time.Duration
		measured bool // the Delay() says two attempts were measured
	}{
		{
			name:  "a loser cancelled once the hedge won is not measured",
			steps: []hedgeStep{{after: time.Minute, v: 1}, {after: 10 * time.Millisecond, v: 2}},
		},
		{
			name:  "a hedge cancelled once the first won is not measured",
			steps: []hedgeStep{{after: 600 * time.Millisecond, v: 1}, {after: time.Minute, v: 2}},
		},
		{
			name:     "attempts that the caller cancelled are not measured",
			steps:    []hedgeStep{{after: time.Minute, v: 1}, {after: time.Minute, v: 2}},
			cancelAt: 700 * time.Millisecond,
		},
		{
			name:     "a failed attempt is measured, as is the winner",
			steps:    []hedgeStep{{after: 600 * time.Millisecond, err: transientErr}, {after: time.Minute, v: 2}, {after: 10 * time.Millisecond, v: 3}},
			measured: true,
		},
		{
			name:     "an attempt that its own timeout ended is measured",
			steps:    []hedgeStep{{after: time.Minute, v: 1}, {after: 10 * time.Millisecond, v: 2}},
			opts:     []retry.Option{retry.AttemptTimeout(20 * time.Millisecond)},
			measured: true, // the first, at 20ms, and the retry that won
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const fallback = 500 * time.Millisecond
				l := retry.NewLatency(retry.LatencyConfig{MinSamples: 2, Fallback: fallback})
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tt.cancelAt > 0 {
					time.AfterFunc(tt.cancelAt, cancel)
				}
				op := newHedgeOp(t, tt.steps...)
				opts := append([]retry.Option{retry.HedgeAdaptive(l, 2)}, tt.opts...)
				retry.DoHedged(ctx, op.do, opts...)
				got := l.Delay() != fallback
				if got != tt.measured {
					began, ended, cancelled := op.record()
					t.Errorf("Delay() = %v: two attempts measured = %v; want %v (began %v, ended %v, cancelled %v)",
						l.Delay(), got, tt.measured, began, ended, cancelled)
				}
			})
		})
	}
}

func TestHedgeAdaptiveInvalid(t *testing.T) {
	tests := []struct {
		name string
		opt  retry.Option
		want string
	}{
		{"nil Latency", retry.HedgeAdaptive(nil, 2), "the Latency is nil"},
		{"zero Latency", retry.HedgeAdaptive(new(retry.Latency), 2), "zero Latency"},
		{"max below 2", retry.HedgeAdaptive(retry.NewLatency(retry.LatencyConfig{}), 1), "max must be at least 2"},
		{"negative floor", retry.HedgeAdaptive(retry.NewLatency(retry.LatencyConfig{Floor: -1}), 2), "Floor -1ns must not be negative"},
		{"cap below floor", retry.HedgeAdaptive(retry.NewLatency(retry.LatencyConfig{Floor: time.Second, Cap: time.Millisecond}), 2), "Cap 1ms must not be below Floor 1s"},
		{"fallback above cap", retry.HedgeAdaptive(retry.NewLatency(retry.LatencyConfig{Fallback: time.Minute}), 2), "Fallback 1m0s must be within [1ms, 1s]"},
		{"quantile of 1", retry.HedgeAdaptive(retry.NewLatency(retry.LatencyConfig{Quantile: 1}), 2), "Quantile 1"},
		{"short window", retry.HedgeAdaptive(retry.NewLatency(retry.LatencyConfig{Window: time.Microsecond}), 2), "Window 1µs"},
		{"negative MinSamples", retry.HedgeAdaptive(retry.NewLatency(retry.LatencyConfig{MinSamples: -3}), 2), "MinSamples -3"},
		{"invalid Latencies", retry.HedgeAdaptive(retry.NewLatencies(retry.LatencyConfig{Cap: -1}, 10).For("db"), 2), "Cap -1ns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			_, err := retry.DoHedged(context.Background(), func(context.Context) (int, error) { calls++; return 1, nil }, tt.opt)
			if !errors.Is(err, retry.ErrInvalidOption) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "HedgeAdaptive(") {
				t.Errorf("DoHedged(%v) = %v; want ErrInvalidOption naming HedgeAdaptive and %q", tt.opt, err, tt.want)
			}
			if calls != 0 {
				t.Errorf("DoHedged(%v) called op %d times; want 0", tt.opt, calls)
			}
		})
	}
	_, err := retry.Do(context.Background(), func(context.Context) (int, error) { return 1, nil },
		retry.HedgeAdaptive(retry.NewLatency(retry.LatencyConfig{}), 2))
	if !errors.Is(err, retry.ErrInvalidOption) || !strings.Contains(err.Error(), "DoHedged") {
		t.Errorf("Do(HedgeAdaptive) = %v; want ErrInvalidOption naming DoHedged", err)
	}
}

// TestLatencyErr: Err says what a call given the Latency would say, before
// any call, and nil for a Latency that a call accepts.
func TestLatencyErr(t *testing.T) {
	tests := []struct {
		name string
		l    *retry.Latency
		want string // "": valid
	}{
		{"defaults", retry.NewLatency(retry.LatencyConfig{}), ""},
		{"every field", retry.NewLatency(retry.LatencyConfig{Quantile: 0.99, Window: time.Second, MinSamples: 5,
			Floor: time.Millisecond, Cap: 100 * time.Millisecond, Fallback: 50 * time.Millisecond}), ""},
		{"of Latencies", retry.NewLatencies(retry.LatencyConfig{}, 10).For("db"), ""},
		{"nil", nil, "retry: Latency: the Latency is nil"},
		{"zero", new(retry.Latency), "retry: Latency: the zero Latency keeps nothing; make one with NewLatency"},
		{"negative floor", retry.NewLatency(retry.LatencyConfig{Floor: -1}), "retry: Latency: Floor -1ns must not be negative"},
		{"cap below floor", retry.NewLatency(retry.LatencyConfig{Floor: time.Second, Cap: time.Millisecond}), "retry: Latency: Cap 1ms must not be below Floor 1s"},
		{"quantile of 1", retry.NewLatency(retry.LatencyConfig{Quantile: 1}), "Quantile 1"},
		{"invalid Latencies", retry.NewLatencies(retry.LatencyConfig{MinSamples: -3}, 10).For("db"), "MinSamples -3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.l.Err()
			if tt.want == "" {
				if err != nil {
					t.Errorf("Err() = %v; want nil", err)
				}
				return
			}
			if !errors.Is(err, retry.ErrInvalidOption) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Err() = %v; want ErrInvalidOption saying %q", err, tt.want)
			}
			// A call given it fails for the same reason.
			_, callErr := retry.DoHedged(context.Background(), func(context.Context) (int, error) { return 1, nil },
				retry.HedgeAdaptive(tt.l, 2))
			reason := strings.TrimPrefix(err.Error(), "retry: Latency: ")
			if callErr == nil || !strings.HasSuffix(callErr.Error(), ": "+reason) {
				t.Errorf("DoHedged = %v; want the reason of Err, %q", callErr, reason)
			}
		})
	}
}

func TestLatencies(t *testing.T) {
	s := retry.NewLatencies(retry.LatencyConfig{}, 2)
	a, b := s.For("a"), s.For("b")
	if a == b || s.For("a") != a {
		t.Fatalf("For gives one Latency per key: For(a) = %p, For(b) = %p, For(a) again = %p", a, b, s.For("a"))
	}
	s.For("c") // forgets a or b
	if s.Len() != 2 {
		t.Errorf("after a third key: Len() = %d; want 2", s.Len())
	}
	var zero retry.Latencies
	if l := zero.For("x"); l.Delay() != retry.DefaultHedgeCap {
		t.Errorf("the zero Latencies' Delay() = %v; want the default fallback, %v", l.Delay(), retry.DefaultHedgeCap)
	}
	if got, want := zero.String(), "Latencies(1024 keys at most)"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
	if got, want := retry.HedgeAdaptive(a, 3).String(), "HedgeAdaptive(Latency(1ms…1s), 3)"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}

func TestLatencyAllocs(t *testing.T) {
	skipIfRace(t)
	ctx := context.Background()
	ok := func(context.Context) (int, error) { return 1, nil }
	fixed := retry.Options(retry.Hedge(time.Second, 2))
	adaptive := retry.Options(retry.HedgeAdaptive(retry.NewLatency(retry.LatencyConfig{}), 2))
	retry.DoHedged(ctx, ok, fixed)
	retry.DoHedged(ctx, ok, adaptive)
	want := testing.AllocsPerRun(100, func() { retry.DoHedged(ctx, ok, fixed) })
	if got := testing.AllocsPerRun(100, func() { retry.DoHedged(ctx, ok, adaptive) }); got != want {
		t.Errorf("DoHedged with HedgeAdaptive, not hedging: %v allocs; want %v, as with Hedge", got, want)
	}
}

func TestHedgeAdaptiveLastWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := retry.NewLatency(retry.LatencyConfig{MinSamples: 1})
		op := newHedgeOp(t, hedgeStep{after: time.Minute, v: 1}, hedgeStep{v: 2})
		retry.DoHedged(context.Background(), op.do, retry.HedgeAdaptive(l, 2), retry.Hedge(50*time.Millisecond, 2))
		if began, _, _ := op.record(); len(began) != 2 || began[1] != 50*time.Millisecond {
			t.Errorf("attempts began at %v; want [0s 50ms]: Hedge, the last, wins", began)
		}
		if d := l.Delay(); d != retry.DefaultHedgeCap {
			t.Errorf("Delay() = %v; want the fallback, %v: a call that Hedge overrides measures nothing", d, retry.DefaultHedgeCap)
		}
	})
}

// BenchmarkHedgeAdaptiveNotFired is HedgeNotFired of BenchmarkDo with
// HedgeAdaptive: what reading the delay and measuring the attempt add.
func BenchmarkHedgeAdaptiveNotFired(b *testing.B) {
	ctx := context.Background()
	ok := func(context.Context) (int, error) { return 1, nil }
	opts := map[string]retry.Option{
		"Fixed":    retry.Options(retry.Backoff(backoff.Constant(0)), retry.Hedge(time.Second, 2)),
		"Adaptive": retry.Options(retry.Backoff(backoff.Constant(0)), retry.HedgeAdaptive(retry.NewLatency(retry.LatencyConfig{}), 2)),
	}
	for _, name := range []string{"Fixed", "Adaptive"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				retry.DoHedged(ctx, ok, opts[name])
			}
		})
	}
}

// TestHedgeAdaptiveShared shares one Latencies across parallel calls to
// two downstreams, one fast and one slow: each is hedged at its own
// latency.
func TestHedgeAdaptiveShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		perHost := retry.NewLatencies(retry.LatencyConfig{}, 10)
		hosts := map[string]time.Duration{"fast": 5 * time.Millisecond, "slow": 200 * time.Millisecond}
		var wg sync.WaitGroup
		for host, d := range hosts {
			for range 4 {
				wg.Go(func() {
					for range 25 {
						if _, err := retry.DoHedged(context.Background(), takes(d, 1), retry.HedgeAdaptive(perHost.For(host), 2)); err != nil {
							t.Errorf("DoHedged(%s): %v", host, err)
						}
					}
				})
			}
		}
		wg.Wait()
		for host, d := range hosts {
			if got := perHost.For(host).Delay(); !within(got, d) {
				t.Errorf("Delay() of %s = %v; want about %v", host, got, d)
			}
		}
	})
}
