package breaker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

func TestFailureRatioOpensAtMinCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec observe.Recorder
		b := newExact(t, Config{Name: "users", FailureRatio: 0.5, ConsecutiveFailures: -1, Subscribers: []observe.Subscriber{&rec}})
		succeed(t, b, 10)
		fail(t, b, 9, classify.ServerError)
		wantState(t, b, observe.BreakerClosed) // 9 of 19: fewer calls than MinCalls
		start := time.Now()
		fail(t, b, 1, classify.Transient) // 10 of 20
		wantState(t, b, observe.BreakerOpen)
		want := []observe.Event{observe.BreakerStateChange{
			Breaker: "users", From: observe.BreakerClosed, To: observe.BreakerOpen, Reason: observe.BreakerFailureRatio,
			Until: start.Add(5 * sec), Break: 5 * sec, Failures: 10, Calls: 20,
		}}
		if diff := cmp.Diff(want, rec.Events()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

func TestRatioBelowLimitStaysClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{ConsecutiveFailures: -1, FailureRatio: 0.6})
		for range 50 { // 40%, in bursts of 2 failures among 3 successes
			succeed(t, b, 3)
			fail(t, b, 2, classify.ServerError)
			time.Sleep(10 * time.Millisecond)
		}
		wantState(t, b, observe.BreakerClosed)
	})
}

func TestFewCallsNeverOpenOnTheRatio(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{ConsecutiveFailures: -1, MinCalls: 5})
		for range 100 { // 4 failures per 10s: the 10s window never holds 5 calls
			fail(t, b, 4, classify.ServerError)
			time.Sleep(10 * sec)
			wantState(t, b, observe.BreakerClosed)
		}
	})
}

func TestConsecutiveFailuresOpenAQuietBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec observe.Recorder
		b := newExact(t, Config{ConsecutiveFailures: 10, Subscribers: []observe.Subscriber{&rec}})
		for range 3 {
			fail(t, b, 9, classify.Unknown)
			succeed(t, b, 1) // breaks the run
			time.Sleep(time.Minute)
		}
		wantState(t, b, observe.BreakerClosed)
		for range 9 {
			fail(t, b, 1, classify.Unknown)
			time.Sleep(time.Minute) // one a minute: never 20 calls in a window
		}
		wantState(t, b, observe.BreakerClosed)
		fail(t, b, 1, classify.Unknown)
		wantState(t, b, observe.BreakerOpen)
		if e := rec.Events()[0].(observe.BreakerStateChange); e.Reason != observe.BreakerConsecutiveFailures || e.Failures != 1 || e.Calls != 1 {
			t.Errorf("event = %+v; want reason consecutive_failures with the window's 1 failure of 1 call", e)
		}
	})
}

func TestConsecutiveFailuresOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{FailureRatio: 0.5, ConsecutiveFailures: -1})
		for range 100 {
			fail(t, b, 1, classify.Unknown)
			time.Sleep(time.Minute)
		}
		wantState(t, b, observe.BreakerClosed)
	})
}

func TestNonCountedClassesAreSuccesses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{ConsecutiveFailures: 2, MinCalls: 1})
		for range 1000 {
			fail(t, b, 1, classify.Permanent)
			fail(t, b, 1, classify.Concurrency)
			fail(t, b, 1, classify.ServerError) // a run of 1, 1 failure of 3
		}
		wantState(t, b, observe.BreakerClosed)

		only := newExact(t, Config{ConsecutiveFailures: 2, Classes: []classify.Class{classify.Transient}})
		fail(t, only, 100, classify.ServerError)
		fail(t, only, 100, classify.RateLimit)
		wantState(t, only, observe.BreakerClosed)
		fail(t, only, 2, classify.Transient)
		wantState(t, only, observe.BreakerOpen)
	})
}

// TestWindowForgetsOldCalls: successes and failures older than the window
// weigh nothing.
func TestWindowForgetsOldCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 100 calls a second succeed for 30s, then every call fails: with
		// exact counts, the 10s window reaches half failures after 5s.
		b := newExact(t, Config{FailureRatio: 0.5, ConsecutiveFailures: -1})
		for range 3000 {
			succeed(t, b, 1)
			time.Sleep(10 * time.Millisecond)
		}
		start := time.Now()
		for b.State() == observe.BreakerClosed {
			fail(t, b, 1, classify.ServerError)
			time.Sleep(10 * time.Millisecond)
		}
		if took := time.Since(start); took < 4500*time.Millisecond || took > 5500*time.Millisecond {
			t.Errorf("opened %v after the downstream died; want about 5s", took)
		}

		b = newExact(t, Config{FailureRatio: 0.5, ConsecutiveFailures: -1})
		fail(t, b, 10, classify.ServerError)
		time.Sleep(11 * sec)
		succeed(t, b, 10)
		fail(t, b, 9, classify.ServerError)
		wantState(t, b, observe.BreakerClosed) // 19 calls: the first 10 failures are out
	})
}

// TestQuietSpellThenOutage: successes counted in a burst before a long
// quiet spell are spread over it by the window's estimate, which can delay
// the ratio; the consecutive failures open the breaker anyway.
func TestQuietSpellThenOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{ConsecutiveFailures: 10})
		fail(t, b, 1, classify.ServerError)
		succeed(t, b, 5000)
		time.Sleep(time.Minute)
		fail(t, b, 9, classify.ServerError)
		wantState(t, b, observe.BreakerClosed)
		fail(t, b, 1, classify.ServerError)
		wantState(t, b, observe.BreakerOpen)
	})
}

// TestWindowCountsSuccessesSpreadOverIt: steady traffic with a low share
// of failures never opens, whatever the phase of the failures.
func TestWindowCountsSuccessesSpreadOverIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{ConsecutiveFailures: -1, FailureRatio: 0.2})
		for i := range 2000 { // 100 calls a second, 10% failing, in clumps of 10 every second
			if i%100 < 10 {
				fail(t, b, 1, classify.ServerError)
			} else {
				succeed(t, b, 1)
			}
			time.Sleep(10 * time.Millisecond)
		}
		wantState(t, b, observe.BreakerClosed)

		// The same failures after 30s of successes alone: the window holds
		// about 10 failures in 100 calls, not in the 10 calls since the
		// first failure.
		b = newExact(t, Config{ConsecutiveFailures: -1, FailureRatio: 0.2})
		fail(t, b, 1, classify.ServerError)
		for range 3000 {
			succeed(t, b, 1)
			time.Sleep(10 * time.Millisecond)
		}
		fail(t, b, 20, classify.ServerError)
		wantState(t, b, observe.BreakerClosed) // 20 of about 1020
	})
}

func TestOpenRefusesUntilTheBreakEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{Name: "users"})
		start := time.Now()
		trip(t, b)
		time.Sleep(2 * sec)
		oe := refused(t, b)
		if want := (OpenError{Breaker: "users", Until: start.Add(5 * sec), Wait: 3 * sec}); *oe != want {
			t.Errorf("OpenError = %+v; want %+v", *oe, want)
		}
		if got, want := oe.Error(), `breaker: "users" open for 3s`; got != want {
			t.Errorf("Error() = %q; want %q", got, want)
		}
		time.Sleep(3*sec - 1)
		refused(t, b)
		time.Sleep(time.Nanosecond)
		p := allow(t, b) // the break is over: a probe
		wantState(t, b, observe.BreakerHalfOpen)
		p.Success()
		wantState(t, b, observe.BreakerClosed)
	})
}

func TestBreaksGrowAndStartAgainOnClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec observe.Recorder
		b := newExact(t, Config{BreakDuration: sec, MaxBreakDuration: 10 * sec, Subscribers: []observe.Subscriber{&rec}})
		trip(t, b)
		var got []time.Duration
		for range 6 {
			oe := refused(t, b)
			got = append(got, oe.Wait)
			time.Sleep(oe.Wait)
			p := allow(t, b)
			p.Failure(classify.Transient, 0)
		}
		want := []time.Duration{sec, 2 * sec, 4 * sec, 8 * sec, 10 * sec, 10 * sec}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("breaks (-want +got):\n%s", diff)
		}
		time.Sleep(10 * sec)
		succeed(t, b, 1) // closes
		wantState(t, b, observe.BreakerClosed)
		trip(t, b)
		if oe := refused(t, b); oe.Wait != sec {
			t.Errorf("break after closing = %v; want BreakDuration again, 1s", oe.Wait)
		}
		var reasons []string
		for _, e := range rec.Events() {
			e := e.(observe.BreakerStateChange)
			reasons = append(reasons, e.From.String()+">"+e.To.String()+":"+e.Reason.String())
		}
		wantReasons := []string{"closed>open:consecutive_failures"}
		for range 6 {
			wantReasons = append(wantReasons, "open>half_open:break_elapsed", "half_open>open:probe_failed")
		}
		wantReasons = append(wantReasons, "open>half_open:break_elapsed", "half_open>closed:probes_succeeded", "closed>open:consecutive_failures")
		if diff := cmp.Diff(wantReasons, reasons); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
	})
}

func TestBreaksAreSpreadWithinThreeQuarters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := New(Config{BreakDuration: 4 * sec, MaxBreakDuration: 8 * sec})
		seen := map[time.Duration]bool{}
		for range 200 {
			trip(t, b)
			oe := refused(t, b)
			nominal := 4 * sec
			if len(seen) > 0 && oe.Wait > 4*sec {
				nominal = 8 * sec
			}
			if oe.Wait < 3*sec || oe.Wait > 8*sec || oe.Wait > nominal {
				t.Fatalf("break = %v; want within [3s, 4s] or [6s, 8s]", oe.Wait)
			}
			seen[oe.Wait] = true
			time.Sleep(oe.Wait)
			succeed(t, b, 1)
		}
		if len(seen) < 100 {
			t.Errorf("%d distinct breaks in 200; want them spread at random", len(seen))
		}
	})
}

func TestRetryAfterOpensForExactlyTheHint(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		c    classify.Class
		hint time.Duration
		want time.Duration // the break; 0: stays closed
	}{
		{"the hint", Config{}, classify.RateLimit, 7 * sec, 7 * sec},
		{"a short hint", Config{}, classify.RateLimit, time.Millisecond, time.Millisecond},
		{"capped", Config{MaxRetryAfter: 30 * sec}, classify.RateLimit, time.Hour, 30 * sec},
		{"capped by default", Config{}, classify.RateLimit, 1<<63 - 1, time.Minute},
		{"a cap past any break", Config{MaxRetryAfter: 1<<63 - 1}, classify.RateLimit, 1<<63 - 1, 1<<63 - 1},
		{"no hint", Config{}, classify.RateLimit, 0, 0},
		{"a negative hint", Config{}, classify.RateLimit, -sec, 0},
		{"a hint on another class", Config{}, classify.ServerError, 7 * sec, 0},
		{"RateLimit does not count", Config{Classes: []classify.Class{classify.ServerError}}, classify.RateLimit, 7 * sec, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := New(tt.cfg) // spread breaks: the hint is exact anyway
				p := allow(t, b)
				p.Failure(tt.c, tt.hint)
				if tt.want == 0 {
					wantState(t, b, observe.BreakerClosed)
					return
				}
				if oe := refused(t, b); oe.Wait != tt.want {
					t.Errorf("wait = %v; want %v", oe.Wait, tt.want)
				}
				if tt.want > time.Hour {
					return
				}
				time.Sleep(tt.want - 1)
				refused(t, b)
				time.Sleep(time.Nanosecond)
				p = allow(t, b)
				p.Failure(tt.c, tt.hint) // a probe with the hint again: the hint again
				if oe := refused(t, b); oe.Wait != tt.want {
					t.Errorf("wait after a probe's hint = %v; want %v", oe.Wait, tt.want)
				}
			})
		})
	}
}

func TestHalfOpenBoundsProbes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{HalfOpenProbes: 2, SuccessesToClose: 3})
		trip(t, b)
		time.Sleep(5 * sec)
		p1, p2 := allow(t, b), allow(t, b)
		if oe := refused(t, b); oe.Wait != 500*time.Millisecond {
			t.Errorf("wait of a third probe = %v; want a tenth of BreakDuration, 500ms", oe.Wait)
		}
		p1.Cancel() // frees its slot, counts nothing
		p3 := allow(t, b)
		refused(t, b)
		p2.Success()
		p3.Success()
		wantState(t, b, observe.BreakerHalfOpen) // 2 of 3
		p4, p5 := allow(t, b), allow(t, b)
		refused(t, b)
		p4.Success() // the third: closes
		wantState(t, b, observe.BreakerClosed)
		p5.Failure(classify.ServerError, 0) // a probe of the half-open state that ended counts nothing
		p5 = allow(t, b)
		p5.Failure(classify.ServerError, 0)
		wantState(t, b, observe.BreakerClosed)
	})
}

func TestHalfOpenFailureReopensAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{HalfOpenProbes: 3})
		trip(t, b)
		time.Sleep(5 * sec)
		p1, p2, p3 := allow(t, b), allow(t, b), allow(t, b)
		p1.Success()
		p2.Failure(classify.Unknown, 0)
		wantState(t, b, observe.BreakerOpen)
		if oe := refused(t, b); oe.Wait != 10*sec {
			t.Errorf("break after a failed probe = %v; want 10s", oe.Wait)
		}
		p3.Success() // of the half-open state that ended: nothing
		wantState(t, b, observe.BreakerOpen)
	})
}

func TestHalfOpenNeedsAllItsSuccesses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{HalfOpenProbes: 1, SuccessesToClose: 3})
		trip(t, b)
		time.Sleep(5 * sec)
		for range 2 {
			p := allow(t, b)
			refused(t, b)                    // one at a time
			p.Failure(classify.Permanent, 0) // the downstream answered: a success
			wantState(t, b, observe.BreakerHalfOpen)
		}
		p := allow(t, b)
		p.Success()
		wantState(t, b, observe.BreakerClosed)
	})
}

// TestSubscriberPanicLeavesTheBreakerWorking: a subscriber that panics
// unwinds the call that caused the change, after the change, and leaves
// the breaker unlocked and in its new state.
func TestSubscriberPanicLeavesTheBreakerWorking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		panics := true
		b := newExact(t, Config{ConsecutiveFailures: 1, Subscribers: []observe.Subscriber{observe.Func(func(observe.BreakerStateChange) {
			if panics {
				panic("subscriber")
			}
		})}})
		func() {
			defer func() {
				if r := recover(); r != "subscriber" {
					t.Errorf("recover() = %v; want the subscriber's panic", r)
				}
			}()
			fail(t, b, 1, classify.ServerError)
		}()
		wantState(t, b, observe.BreakerOpen)
		panics = false
		time.Sleep(5 * sec)
		succeed(t, b, 1)
		wantState(t, b, observe.BreakerClosed)
	})
}

// TestAllowClosed: AllowClosed gives the Permit that Allow gives while
// the breaker is closed, and false in every other state, and for a
// Breaker that cannot work.
func TestAllowClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{ConsecutiveFailures: 2, MinCalls: 100})
		p, ok := b.AllowClosed()
		if !ok {
			t.Fatalf("%v: AllowClosed() = false; want a Permit", b)
		}
		p.Success()
		p.Success() // ended: nothing
		if got := b.successes(); got != 1 {
			t.Errorf("successes = %d; want 1", got)
		}
		q, _ := b.AllowClosed()
		r, _ := b.AllowClosed()
		q.Failure(classify.ServerError, 0)
		r.Failure(classify.ServerError, 0)
		wantState(t, b, observe.BreakerOpen)
		if _, ok := b.AllowClosed(); ok {
			t.Errorf("%v: AllowClosed() = true; want false", b)
		}
		refused(t, b) // Allow says why
		time.Sleep(5 * sec)
		if _, ok := b.AllowClosed(); ok {
			t.Errorf("%v, its break over: AllowClosed() = true; want false", b)
		}
		probe := allow(t, b) // Allow, not AllowClosed, takes the probe
		wantState(t, b, observe.BreakerHalfOpen)
		if _, ok := b.AllowClosed(); ok {
			t.Errorf("%v: AllowClosed() = true; want false", b)
		}
		probe.Success()
		wantState(t, b, observe.BreakerClosed)
		if _, ok := b.AllowClosed(); !ok {
			t.Errorf("%v, closed again: AllowClosed() = false; want a Permit", b)
		}
	})
	for _, b := range []*Breaker{nil, new(Breaker), New(Config{MinCalls: -1})} {
		if p, ok := b.AllowClosed(); ok {
			p.Cancel()
			t.Errorf("%v: AllowClosed() = true; want false", b)
		}
	}
}
