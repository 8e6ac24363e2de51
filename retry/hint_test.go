package retry_test

import (
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

// overflowed is what a naive parser makes of "Retry-After: 9223372037":
// 9223372037 seconds do not fit in a time.Duration, and the multiplication
// wraps to a negative value.
func overflowed() time.Duration {
	secs := time.Duration(9223372037)
	return secs * time.Second
}

func TestRetryAfterHints(t *testing.T) {
	if overflowed() >= 0 {
		t.Fatalf("overflowed() = %v; want a negative value", overflowed())
	}
	unavailable := &statusError{503}
	tests := []struct {
		name      string
		err       error // of the first attempt; the second succeeds
		opts      []retry.Option
		wantClass classify.Class
		wantLast  error
		wantDelay time.Duration
		wantHint  time.Duration // the hint as given, in the Retry event
	}{
		{
			name:      "hint longer than the strategy's delay is waited",
			err:       classify.MarkRateLimit(errBusy, 30*time.Second),
			opts:      []retry.Option{retry.Backoff(backoff.Constant(time.Second))},
			wantClass: classify.RateLimit, wantLast: errBusy, wantDelay: 30 * time.Second, wantHint: 30 * time.Second,
		},
		{
			name:      "strategy's delay longer than the hint is waited",
			err:       classify.MarkRateLimit(errBusy, 30*time.Second),
			opts:      []retry.Option{retry.Backoff(backoff.Constant(40 * time.Second))},
			wantClass: classify.RateLimit, wantLast: errBusy, wantDelay: 40 * time.Second, wantHint: 30 * time.Second,
		},
		{
			name:      "hint above MaxRetryAfter is clamped",
			err:       classify.MarkRateLimit(errBusy, time.Hour),
			opts:      []retry.Option{retry.MaxRetryAfter(10 * time.Second), retry.Backoff(backoff.Constant(time.Second))},
			wantClass: classify.RateLimit, wantLast: errBusy, wantDelay: 10 * time.Second, wantHint: time.Hour,
		},
		{
			name:      "hint above the default MaxRetryAfter of 1m is clamped",
			err:       classify.MarkRateLimit(errBusy, time.Hour),
			opts:      []retry.Option{retry.NoDeadline(), retry.Backoff(backoff.Constant(time.Second))},
			wantClass: classify.RateLimit, wantLast: errBusy, wantDelay: time.Minute, wantHint: time.Hour,
		},
		{
			name:      "saturated hint of 9223372037s is clamped, not negative",
			err:       classify.MarkRateLimit(errBusy, math.MaxInt64),
			opts:      []retry.Option{retry.MaxRetryAfter(10 * time.Second), retry.Backoff(backoff.Constant(time.Second))},
			wantClass: classify.RateLimit, wantLast: errBusy, wantDelay: 10 * time.Second, wantHint: math.MaxInt64,
		},
		{
			name:      "overflowed hint of 9223372037s is ignored, not a retry burst",
			err:       classify.MarkRateLimit(errBusy, overflowed()),
			opts:      []retry.Option{retry.Backoff(backoff.Constant(time.Second))},
			wantClass: classify.RateLimit, wantLast: errBusy, wantDelay: time.Second,
		},
		{
			name:      "RetryAfter method of the error's own type is honoured",
			err:       &hintError{after: 20 * time.Second},
			opts:      []retry.Option{retry.Backoff(backoff.Constant(time.Second))},
			wantClass: classify.Unknown, wantDelay: 20 * time.Second, wantHint: 20 * time.Second,
		},
		{
			name:      "WithRetryAfter on a 503",
			err:       classify.WithRetryAfter(unavailable, 20*time.Second),
			opts:      []retry.Option{retry.Backoff(backoff.Constant(time.Second))},
			wantClass: classify.ServerError, wantLast: unavailable, wantDelay: 20 * time.Second, wantHint: 20 * time.Second,
		},
		{
			name:      "hint within MaxRetryAfter is waited in full",
			err:       classify.WithRetryAfter(unavailable, 45*time.Second),
			opts:      []retry.Option{retry.MaxRetryAfter(time.Minute), retry.Backoff(backoff.Constant(0))},
			wantClass: classify.ServerError, wantLast: unavailable, wantDelay: 45 * time.Second, wantHint: 45 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				if tt.wantLast == nil {
					tt.wantLast = tt.err
				}
				f := newOp(tt.err)
				var rec observe.Recorder
				start := time.Now()
				v, err := retry.Do(t.Context(), f.do, append(tt.opts, noJitter, retry.Subscribe(&rec))...)
				if v != 42 || err != nil {
					t.Fatalf("Do(%v) = %v, %v; want 42, nil", tt.opts, v, err)
				}
				wantEvents := []observe.Event{
					observe.Retry{Attempt: 1, Class: tt.wantClass, Err: tt.wantLast, Delay: tt.wantDelay, RetryAfter: tt.wantHint},
					observe.Success{Attempt: 2, Elapsed: tt.wantDelay},
				}
				if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
					t.Errorf("Do(%v) events mismatch (-want +got):\n%s", tt.opts, diff)
				}
				if got := time.Since(start); got != tt.wantDelay {
					t.Errorf("Do(%v) took %v; want %v", tt.opts, got, tt.wantDelay)
				}
			})
		})
	}
}

func TestRetryAfterThatDoesNotFitStopsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newOp(classify.MarkRateLimit(errBusy, 30*time.Second))
		var rec observe.Recorder
		start := time.Now()
		_, err := retry.Do(t.Context(), f.do, retry.Deadline(20*time.Second), noJitter, retry.Subscribe(&rec))
		want := &retry.Error{Reason: retry.ErrDeadline, Attempts: 1, Last: errBusy, Class: classify.RateLimit}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		wantEvents := []observe.Event{
			observe.DeadlineExceeded{Attempt: 1, Class: classify.RateLimit, Err: errBusy, Delay: 30 * time.Second},
		}
		if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}
		if got := time.Since(start); got != 0 {
			t.Errorf("Do(…) took %v; want 0, no sleep into the deadline", got)
		}
	})
}

// With the defaults, MaxRetryAfter (1m) is not below the deadline (60s): a
// server asking for a minute or more ends the call at once with ErrDeadline,
// said so by the event, rather than being waited out.
func TestRetryAfterOfAMinuteDoesNotFitTheDefaultDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newOp(classify.MarkRateLimit(errBusy, time.Minute))
		var rec observe.Recorder
		_, err := retry.Do(t.Context(), f.do, noJitter, retry.Subscribe(&rec))
		want := &retry.Error{Reason: retry.ErrDeadline, Attempts: 1, Last: errBusy, Class: classify.RateLimit}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		wantEvents := []observe.Event{
			observe.DeadlineExceeded{Attempt: 1, Class: classify.RateLimit, Err: errBusy, Delay: time.Minute},
		}
		if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}
	})
}

// Clients that a server gave the same hint do not all come back at once:
// each waits at least the hint, and up to a tenth more, at random.
func TestRetryAfterIsSpreadOverATenthMore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const hint = 10 * time.Second
		seen := map[time.Duration]bool{}
		rng := retry.Rand(rand.New(rand.NewPCG(3, 4)))
		for range 200 {
			var delay time.Duration
			f := newOp(classify.MarkRateLimit(errBusy, hint))
			retry.Do(t.Context(), f.do, rng, retry.Backoff(backoff.Constant(0)),
				retry.Subscribe(observe.Func(func(e observe.Retry) { delay = e.Delay })))
			if delay < hint || delay > hint+hint/10 {
				t.Fatalf("a hint of %v gave a wait of %v; want within [%v, %v]", hint, delay, hint, hint+hint/10)
			}
			seen[delay] = true
		}
		if len(seen) < 190 {
			t.Errorf("200 calls given the same hint waited %d distinct times; want them spread", len(seen))
		}
	})
}

// A hint capped at the largest Duration cannot overflow when spread.
func TestRetryAfterSpreadSaturates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var delay time.Duration
		f := newOp(classify.MarkRateLimit(errBusy, math.MaxInt64))
		one := retry.Rand(rand.New(oneSource{}))
		retry.Do(t.Context(), f.do, one, retry.NoDeadline(), retry.MaxRetryAfter(math.MaxInt64),
			retry.MaxAttempts(2), retry.Backoff(backoff.Constant(0)),
			retry.Subscribe(observe.Func(func(e observe.Retry) { delay = e.Delay })))
		if delay != math.MaxInt64 {
			t.Errorf("a hint of the largest Duration, spread, gave %v; want %v", delay, time.Duration(math.MaxInt64))
		}
	})
}

// oneSource draws the largest value it can, just below 1.
type oneSource struct{}

func (oneSource) Uint64() uint64 { return math.MaxUint64 }

// A server's hint that fits the deadline is taken, whatever the random
// spread: the spread is clipped to the time that remains.
func TestRetryAfterThatFitsIsTaken(t *testing.T) {
	for _, hint := range []time.Duration{55 * time.Second, 57 * time.Second, 59 * time.Second, 59*time.Second + 900*time.Millisecond} {
		t.Run(hint.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rng := retry.Rand(rand.New(rand.NewPCG(1, 2)))
				for i := range 100 {
					start := time.Now()
					f := newOp(classify.MarkRateLimit(errBusy, hint))
					_, err := retry.Do(t.Context(), f.do, rng, retry.Deadline(60*time.Second))
					if err != nil || f.calls() != 2 {
						t.Fatalf("call %d: Do(…, Deadline(60s)) with a hint of %v = %v after %d attempts; want success after 2", i, hint, err, f.calls())
					}
					if waited := f.at[1]; waited < hint || waited >= 60*time.Second {
						t.Fatalf("call %d: waited %v for a hint of %v; want within [%v, 60s)", i, waited, hint, hint)
					}
					time.Sleep(time.Hour - time.Since(start)) // a fresh minute for the next call
				}
			})
		})
	}
}

// MaxRetryAfter is a hard cap: the spread never takes the wait above it.
func TestMaxRetryAfterIsAHardCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 250 * time.Millisecond
		for _, hint := range []time.Duration{200 * time.Millisecond, 240 * time.Millisecond, limit, time.Second, time.Hour} {
			var delay time.Duration
			f := newOp(classify.MarkRateLimit(errBusy, hint))
			one := retry.Rand(rand.New(oneSource{}))
			retry.Do(t.Context(), f.do, one, retry.MaxRetryAfter(limit), retry.Backoff(backoff.Constant(0)),
				retry.Subscribe(observe.Func(func(e observe.Retry) { delay = e.Delay })))
			// The largest draw spreads the wait to a tenth more, or to
			// the cap.
			want := min(hint+hint/10, limit)
			if delay > limit || delay < min(hint, limit) || want-delay > time.Microsecond {
				t.Errorf("a hint of %v with MaxRetryAfter(%v) gave a wait of %v; want %v", hint, limit, delay, want)
			}
		}
	})
}

// The Retry event tells the server's hint apart from the wait it led to.
func TestRetryEventCarriesTheHint(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec observe.Recorder
		f := newOp(classify.MarkRateLimit(errBusy, 3*time.Second), transient)
		retry.Do(t.Context(), f.do, noJitter, retry.Backoff(backoff.Constant(time.Second)), retry.Subscribe(&rec))
		want := []observe.Event{
			observe.Retry{Attempt: 1, Class: classify.RateLimit, Err: errBusy, Delay: 3 * time.Second, RetryAfter: 3 * time.Second},
			observe.Retry{Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: 3 * time.Second},
			observe.Success{Attempt: 3, Elapsed: 4 * time.Second},
		}
		if diff := diffEvents(want, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}
	})
}
