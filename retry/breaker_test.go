package retry_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// tripped returns a Breaker with a break of 4s (spread down to 3s) that
// the failures of one call have opened.
func tripped(t *testing.T) *breaker.Breaker {
	t.Helper()
	b := breaker.New(breaker.Config{Name: "users", ConsecutiveFailures: 2, BreakDuration: 4 * time.Second})
	_, err := retry.Do(t.Context(), failTimes(5, transient), retry.Breaker(b), retry.MaxAttempts(2), retry.Backoff(backoff.Constant(0)))
	if !errors.Is(err, retry.ErrMaxAttempts) || b.State() != observe.BreakerOpen {
		t.Fatalf("Do = %v, breaker %v; want two failures that open it", err, b.State())
	}
	return b
}

// A call that a breaker refuses waits for its next probe, which is its
// first attempt, and tells of the refusal.
func TestBreakerWaitsForTheProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := tripped(t)
		var rec observe.Recorder
		calls := 0
		start := time.Now()
		v, err := retry.Do(t.Context(), func(context.Context) (int, error) { calls++; return 7, nil },
			retry.Breaker(b), retry.Subscribe(&rec), noJitter)
		if err != nil || v != 7 || calls != 1 {
			t.Fatalf("Do = %v, %v after %d calls; want 7 at the first attempt", v, err, calls)
		}
		if d := time.Since(start); d < 3*time.Second || d > 4*time.Second {
			t.Errorf("waited %v; want the break, 3s to 4s", d)
		}
		events := rec.Events()
		if len(events) != 2 {
			t.Fatalf("events %v; want BreakerRejected, Success", events)
		}
		r, ok := events[0].(observe.BreakerRejected)
		if !ok || r.Breaker != "users" || r.Attempt != 0 || r.Wait != time.Since(start) {
			t.Errorf("first event %+v; want a BreakerRejected of users, before attempt 1, waiting %v", events[0], time.Since(start))
		}
		if b.State() != observe.BreakerClosed {
			t.Errorf("breaker %v after a successful probe; want closed", b.State())
		}
	})
}

// A refusal whose wait does not fit the deadline ends the call at once,
// before any attempt, spending no budget.
func TestBreakerOpenPastTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := tripped(t)
		budget := retry.NewBudget(0.1, 3)
		before := budget.Available()
		var rec observe.Recorder
		calls := 0
		start := time.Now()
		_, err := retry.Do(t.Context(), func(context.Context) (int, error) { calls++; return 1, nil },
			retry.Breaker(b), retry.Deadline(time.Second), budget, retry.Subscribe(&rec))
		if !errors.Is(err, retry.ErrBreakerOpen) || !errors.Is(err, breaker.ErrOpen) {
			t.Fatalf("Do = %v; want ErrBreakerOpen, with the breaker's refusal", err)
		}
		e := asError(t, err)
		if e.Attempts != 0 || calls != 0 || e.Last != nil {
			t.Errorf("Error %+v, %d calls; want no attempt", e, calls)
		}
		if time.Since(start) != 0 {
			t.Errorf("waited %v; want none", time.Since(start))
		}
		if got := budget.Available(); got < before {
			t.Errorf("budget %v after the call; want at least %v: a refusal spends none", got, before)
		}
		if events := rec.Events(); len(events) != 1 || events[0].Kind() != observe.KindBreakerRejected {
			t.Errorf("events %v; want one BreakerRejected", events)
		}
	})
}

// The time of MaxRetryTime counts from a first refusal too: a call that no
// attempt of which failed does not wait past it for the breaker.
func TestBreakerFirstRefusalStartsMaxRetryTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := tripped(t) // a break of 3s to 4s
		start := time.Now()
		_, err := retry.Do(t.Context(), func(context.Context) (int, error) { return 1, nil },
			retry.Breaker(b), retry.MaxRetryTime(time.Second))
		if !errors.Is(err, retry.ErrBreakerOpen) || time.Since(start) != 0 {
			t.Errorf("Do = %v after %v; want ErrBreakerOpen at once", err, time.Since(start))
		}
	})
}

// After a failed attempt, a refusal that ends the call keeps that
// attempt's error.
func TestBreakerOpenAfterAFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.Config{ConsecutiveFailures: 1, BreakDuration: time.Minute})
		_, err := retry.Do(t.Context(), failTimes(5, transient), retry.Breaker(b),
			retry.Backoff(backoff.Constant(time.Second)), retry.MaxRetryTime(10*time.Second))
		if !errors.Is(err, retry.ErrBreakerOpen) || !errors.Is(err, errReset) {
			t.Fatalf("Do = %v; want ErrBreakerOpen that keeps the attempt's error", err)
		}
		if e := asError(t, err); e.Attempts != 1 || e.Class != classify.Transient {
			t.Errorf("Error %+v; want 1 attempt, Transient", e)
		}
	})
}

// A RateLimit failure with a server's hint opens the breaker for exactly
// that long, for every caller.
func TestBreakerHonoursRetryAfterForEveryCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.Config{})
		pushback := classify.MarkRateLimit(errBusy, 7*time.Second)
		_, err := retry.Do(t.Context(), func(context.Context) (int, error) { return 0, pushback },
			retry.Breaker(b), retry.MaxAttempts(1))
		if !errors.Is(err, retry.ErrMaxAttempts) {
			t.Fatalf("Do = %v", err)
		}
		start := time.Now()
		other := 0
		if _, err := retry.Do(t.Context(), func(context.Context) (int, error) { other++; return 1, nil }, retry.Breaker(b), noJitter); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 7*time.Second || other != 1 {
			t.Errorf("another caller's first attempt came after %v; want 7s", d)
		}
	})
}

// The calls that wait for one breaker come back spread over up to half its
// wait again, not all at the instant it ends.
func TestBreakerWaitsAreSpread(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.Config{})
		pushback := classify.MarkRateLimit(errBusy, 8*time.Second)
		retry.Do(t.Context(), func(context.Context) (int, error) { return 0, pushback }, retry.Breaker(b), retry.MaxAttempts(1))
		start := time.Now()
		var (
			mu    sync.Mutex
			first = map[time.Duration]bool{}
			wg    sync.WaitGroup
		)
		for range 20 {
			wg.Go(func() {
				retry.Do(t.Context(), func(context.Context) (int, error) {
					mu.Lock()
					first[time.Since(start)] = true
					mu.Unlock()
					return 1, nil
				}, retry.Breaker(b))
			})
		}
		wg.Wait()
		for d := range first {
			if d < 8*time.Second || d > 12*time.Second {
				t.Errorf("a call came back after %v; want 8s to 12s", d)
			}
		}
		if len(first) < 10 {
			t.Errorf("20 calls came back at %d instants; want them spread", len(first))
		}
	})
}

// An attempt that the caller's context ends says nothing of the
// downstream: a half-open breaker's probe slot is free again at once.
func TestBreakerCancelledProbeFreesItsSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := tripped(t)
		time.Sleep(5 * time.Second) // the break is over: the next Allow probes
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() {
			retry.Do(ctx, func(ctx context.Context) (int, error) {
				<-ctx.Done()
				return 0, ctx.Err()
			}, retry.Breaker(b))
		})
		synctest.Wait() // the probe is in flight
		cancel()
		wg.Wait()
		start := time.Now()
		if _, err := retry.Do(t.Context(), func(context.Context) (int, error) { return 1, nil }, retry.Breaker(b)); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("the next probe waited %v; want none: the cancelled one freed its slot", d)
		}
	})
}

// An attempt that panics says nothing of the downstream either: the panic
// unwinds Do, and the half-open breaker's probe slot is free again.
func TestBreakerPanickingProbeFreesItsSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := tripped(t)
		time.Sleep(5 * time.Second) // the break is over: the next Allow probes
		func() {
			defer func() {
				if recover() == nil {
					t.Error("the operation's panic did not unwind Do")
				}
			}()
			retry.Do(t.Context(), func(context.Context) (int, error) { panic("boom") }, retry.Breaker(b))
		}()
		start := time.Now()
		if _, err := retry.Do(t.Context(), func(context.Context) (int, error) { return 1, nil }, retry.Breaker(b)); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("the next probe waited %v; want none: the panicking one freed its slot", d)
		}
	})
}

// An error that is Permanent only because a marker says so counts by what
// it wraps: the breaker hears of a timeout that is not retried. A
// Permanent error of its own (a 404) is an answer.
func TestBreakerCountsWhatAPermanentMarkerWraps(t *testing.T) {
	b := breaker.New(breaker.Config{ConsecutiveFailures: 2})
	notFound := func(context.Context) (int, error) { return 0, &statusError{404} }
	for range 3 {
		retry.Do(t.Context(), notFound, retry.Breaker(b))
	}
	if b.State() != observe.BreakerClosed {
		t.Fatalf("breaker %v after three 404s; want closed", b.State())
	}
	marked := func(context.Context) (int, error) { return 0, classify.MarkPermanent(&statusError{503}) }
	for range 2 {
		if _, err := retry.Do(t.Context(), marked, retry.Breaker(b)); !errors.Is(err, retry.ErrPermanent) {
			t.Fatalf("Do = %v; want ErrPermanent, not retried", err)
		}
	}
	if b.State() != observe.BreakerOpen {
		t.Errorf("breaker %v after two 503s marked Permanent; want open", b.State())
	}
}

// Values that a result classifier rejects are answers: they do not open
// the breaker.
func TestBreakerRejectedValuesAreAnswers(t *testing.T) {
	b := breaker.New(breaker.Config{ConsecutiveFailures: 2})
	_, err := retry.Do(t.Context(), func(context.Context) (int, error) { return 0, nil }, retry.Breaker(b),
		retry.Backoff(backoff.Constant(0)), retry.MaxAttempts(5),
		retry.ClassifyResult(func(v int) (classify.Class, bool) { return classify.Transient, v == 0 }))
	if !errors.Is(err, retry.ErrMaxAttempts) || !errors.Is(err, retry.ErrRejected) {
		t.Fatalf("Do = %v", err)
	}
	if b.State() != observe.BreakerClosed {
		t.Errorf("breaker %v after five rejected values; want closed", b.State())
	}
}

func TestBreakerInvalid(t *testing.T) {
	tests := []struct {
		name string
		opts []retry.Option
		want []string
	}{
		{"nil", []retry.Option{retry.Breaker(nil)}, []string{"Breaker(nil)"}},
		{"invalid config", []retry.Option{retry.Breaker(breaker.New(breaker.Config{FailureRatio: 2}))}, []string{"Breaker", "FailureRatio", "2"}},
		{"zero Breaker", []retry.Option{retry.Breaker(&breaker.Breaker{})}, []string{"Breaker"}},
		{"in a bundle", []retry.Option{retry.Options(retry.Breaker(nil))}, []string{"Breaker(nil)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			_, err := retry.Do(t.Context(), func(context.Context) (int, error) { called = true; return 1, nil }, tt.opts...)
			if !errors.Is(err, retry.ErrInvalidOption) || called {
				t.Fatalf("Do = %v, called %v; want ErrInvalidOption before any attempt", err, called)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if _, err := retry.Do(t.Context(), func(context.Context) (int, error) { return 1, nil },
		retry.Options(retry.Breaker(nil)), retry.NoBreaker()); !errors.Is(err, retry.ErrInvalidOption) {
		t.Errorf("Do = %v; a bundle's invalid member fails the call even when a later option lifts it", err)
	}
	b := tripped(t)
	if _, err := retry.Do(t.Context(), func(context.Context) (int, error) { return 1, nil },
		retry.Options(retry.Breaker(b)), retry.NoBreaker()); err != nil {
		t.Errorf("Do = %v; want NoBreaker to lift the bundle's open breaker", err)
	}
}

// The time of MaxRetryTime counts from the first refusal when no attempt
// failed before it: a breaker that stays open cannot hold a call longer.
func TestBreakerRefusalsStartMaxRetryTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.Config{ConsecutiveFailures: 1, BreakDuration: 4 * time.Second, MaxBreakDuration: 4 * time.Second})
		start := time.Now()
		// Every probe fails, so the breaker reopens each time.
		_, err := retry.Do(t.Context(), failTimes(1000, transient), retry.Breaker(b),
			retry.MaxAttempts(1000), retry.Backoff(backoff.Constant(0)), retry.MaxRetryTime(20*time.Second))
		if !errors.Is(err, retry.ErrBreakerOpen) && !errors.Is(err, retry.ErrDeadline) {
			t.Fatalf("Do = %v; want the breaker or the deadline to end it", err)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("the call took %v; want at most MaxRetryTime", d)
		}
		e := asError(t, err)
		if e.Attempts < 5 || e.Attempts > 8 {
			t.Errorf("%d attempts; want one per break of 3–4s in 20s", e.Attempts)
		}
	})
}

// BenchmarkBreakerAdded times what a closed breaker adds to a call of Do
// that succeeds at once: BenchmarkDo's SuccessBreaker minus its
// SuccessBundle, the same options without the breaker. It times short
// runs of each in turn and reports the median of their differences per
// call, as added-ns/call, so that the load of a shared machine, which
// comes and goes over milliseconds, weighs on both alike and a run that
// the scheduler stopped counts as one outlier.
func BenchmarkBreakerAdded(b *testing.B) {
	ctx := context.Background()
	ok := func(context.Context) (int, error) { return 1, nil }
	zero := retry.Options(retry.Backoff(backoff.Constant(0)))
	guarded := retry.Options(retry.Backoff(backoff.Constant(0)), retry.Breaker(breaker.New(breaker.Config{})))
	const run = 64 // calls of each in a run: some microseconds
	var diffs []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		for range run {
			retry.Do(ctx, ok, zero)
		}
		t1 := time.Now()
		for range run {
			retry.Do(ctx, ok, guarded)
		}
		diffs = append(diffs, time.Since(t1)-t1.Sub(t0))
	}
	slices.Sort(diffs)
	b.ReportMetric(float64(diffs[len(diffs)/2])/run, "added-ns/call")
}

// TestClosedBreakerHearsOfEveryFirstAttempt: the first attempt of a call
// with a closed Breaker goes without the loop's set-up, and still tells
// the Breaker how it ended: a success between two failures keeps a
// Breaker of two consecutive failures closed, and the failures open it.
func TestClosedBreakerHearsOfEveryFirstAttempt(t *testing.T) {
	b := breaker.New(breaker.Config{Name: "users", ConsecutiveFailures: 2})
	guarded := retry.Options(retry.Breaker(b), retry.MaxAttempts(1))
	fail := func(context.Context) (int, error) { return 0, classify.MarkTransient(errors.New("down")) }
	ok := func(context.Context) (int, error) { return 1, nil }
	for i, op := range []func(context.Context) (int, error){fail, ok, fail, ok, fail} {
		retry.Do(t.Context(), op, guarded)
		if b.State() != observe.BreakerClosed {
			t.Fatalf("breaker %v after call %d; want closed: no two failures in a row", b.State(), i)
		}
	}
	retry.Do(t.Context(), fail, guarded)
	if b.State() != observe.BreakerOpen {
		t.Errorf("breaker %v after two failures in a row; want open", b.State())
	}
}
