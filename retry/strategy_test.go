package retry_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// delays returns the delays of the Retry events among events.
func delays(events []observe.Event) []time.Duration {
	var ds []time.Duration
	for _, e := range events {
		if r, ok := e.(observe.Retry); ok {
			ds = append(ds, r.Delay)
		}
	}
	return ds
}

func TestBackoffForDispatchesByClass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newOp(transient, rateLimit, transient, rateLimit, &statusError{503})
		var rec observe.Recorder
		v, err := retry.Do(t.Context(), f.do,
			retry.Backoff(backoff.Constant(time.Second)),
			retry.BackoffFor(classify.RateLimit, backoff.Constant(7*time.Second)),
			retry.BackoffFor(classify.ServerError, backoff.Constant(3*time.Second)),
			retry.Subscribe(&rec))
		if v != 42 || err != nil {
			t.Fatalf("Do(…) = %v, %v; want 42, nil", v, err)
		}
		if diff := diffDurations(seconds(1, 7, 1, 7, 3), delays(rec.Events())); diff != "" {
			t.Errorf("Do(…) delays mismatch (-want +got):\n%s", diff)
		}
		if diff := diffDurations(seconds(0, 1, 8, 9, 16, 19), f.at); diff != "" {
			t.Errorf("Do(…) attempt start times mismatch (-want +got):\n%s", diff)
		}
	})
}

// recorder returns a strategy that keeps its inputs and waits Attempt
// seconds plus tag, which tells two recorders' delays apart.
func recorder(inputs *[]backoff.Input, tag time.Duration) backoff.Strategy {
	return backoff.Func(func(in backoff.Input) time.Duration {
		*inputs = append(*inputs, in)
		return time.Duration(in.Attempt)*time.Second + tag
	})
}

func TestStrategyInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var inputs []backoff.Input
		f := newOp(transient, rateLimit, transient, unknown)
		v, err := retry.Do(t.Context(), f.do,
			retry.Backoff(recorder(&inputs, 0)),
			retry.BackoffFor(classify.RateLimit, recorder(&inputs, 500*time.Millisecond)),
			retry.Rand(rand.New(rand.NewPCG(1, 2))))
		if v != 42 || err != nil {
			t.Fatalf("Do(…) = %v, %v; want 42, nil", v, err)
		}
		// The same source, drawn once per delay.
		r := rand.New(rand.NewPCG(1, 2))
		want := []backoff.Input{
			{Attempt: 1, Class: classify.Transient, Prev: 0, Random: r.Float64()},
			{Attempt: 2, Class: classify.RateLimit, Prev: time.Second, Random: r.Float64()},
			{Attempt: 3, Class: classify.Transient, Prev: 2500 * time.Millisecond, Random: r.Float64()},
			{Attempt: 4, Class: classify.Unknown, Prev: 3 * time.Second, Random: r.Float64()},
		}
		if diff := cmp.Diff(want, inputs); diff != "" {
			t.Errorf("Do(…) strategy inputs mismatch (-want +got):\n%s", diff)
		}
	})
}

// With a seeded source, the default strategy's delays are exact.
func TestRandMakesJitterExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := backoff.DecorrelatedJitter(250*time.Millisecond, 30*time.Second)
		f := newOp(repeat(transient, 4)...)
		var rec observe.Recorder
		_, err := retry.Do(t.Context(), f.do, retry.Rand(rand.New(rand.NewPCG(1, 2))), retry.Subscribe(&rec))
		if err != nil {
			t.Fatalf("Do(…) = %v; want nil", err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		var want []time.Duration
		var prev time.Duration
		for attempt := 1; attempt <= 4; attempt++ {
			prev = s.Delay(backoff.Input{Attempt: attempt, Class: classify.Transient, Prev: prev, Random: r.Float64()})
			want = append(want, prev)
		}
		if diff := diffDurations(want, delays(rec.Events())); diff != "" {
			t.Errorf("Do(…) delays mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestStrategyDelaysAreClamped(t *testing.T) {
	tests := []struct {
		name       string
		delay      time.Duration
		wantEvents []observe.Event
		wantErr    *retry.Error
	}{
		{
			name:  "negative delay is zero",
			delay: -5 * time.Second,
			wantEvents: []observe.Event{
				observe.Retry{Attempt: 1, Class: classify.Transient, Err: errReset},
				observe.Success{Attempt: 2},
			},
		},
		{
			name:  "most negative delay is zero",
			delay: math.MinInt64,
			wantEvents: []observe.Event{
				observe.Retry{Attempt: 1, Class: classify.Transient, Err: errReset},
				observe.Success{Attempt: 2},
			},
		},
		{
			name:  "huge delay stops at the deadline",
			delay: math.MaxInt64,
			wantEvents: []observe.Event{
				observe.DeadlineExceeded{Attempt: 1, Class: classify.Transient, Err: errReset, Delay: math.MaxInt64},
			},
			wantErr: &retry.Error{Reason: retry.ErrDeadline, Attempts: 1, Last: errReset, Class: classify.Transient},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newOp(transient)
				var rec observe.Recorder
				start := time.Now()
				_, err := retry.Do(t.Context(), f.do,
					retry.Backoff(backoff.Func(func(backoff.Input) time.Duration { return tt.delay })),
					retry.Subscribe(&rec))
				if got := time.Since(start); got != 0 {
					t.Errorf("Do(…) took %v; want 0", got)
				}
				if diff := diffError(tt.wantErr, err); diff != "" {
					t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
				}
				if diff := diffEvents(tt.wantEvents, rec.Events()); diff != "" {
					t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// Without any deadline, a huge delay is waited (until the context ends),
// never wrapped into an immediate retry.
func TestHugeDelayWithoutDeadlineDoesNotOverflow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(1000*time.Hour, cancel)
		f := newOp(repeat(transient, 10)...)
		start := time.Now()
		_, err := retry.Do(ctx, f.do, retry.NoDeadline(),
			retry.Backoff(backoff.Func(func(backoff.Input) time.Duration { return math.MaxInt64 })))
		want := &retry.Error{Reason: retry.ErrCancelled, Attempts: 1, Last: errReset, Class: classify.Transient, Cause: context.Canceled}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		if got := time.Since(start); got != 1000*time.Hour {
			t.Errorf("Do(…) took %v; want 1000h", got)
		}
	})
}

func TestZeroDelayDoesNotWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newOp(repeat(transient, 5)...)
		start := time.Now()
		v, err := retry.Do(t.Context(), f.do, retry.Backoff(backoff.Constant(0)))
		if v != 42 || err != nil {
			t.Fatalf("Do(…) = %v, %v; want 42, nil", v, err)
		}
		if got := time.Since(start); got != 0 {
			t.Errorf("Do(…) took %v; want 0", got)
		}
		if diff := diffDurations(seconds(0, 0, 0, 0, 0, 0), f.at); diff != "" {
			t.Errorf("Do(…) attempt start times mismatch (-want +got):\n%s", diff)
		}
	})
}
