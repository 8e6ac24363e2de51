package sim

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// slowThenFast returns an op for DoHedged whose first attempt sleeps slow
// on s's clock and whose others sleep fast, each returning its number,
// and records when each attempt returned and with what error.
func slowThenFast(s *Scheduler, slow, fast time.Duration, ended map[int]time.Duration, errs map[int]error) func(context.Context) (int, error) {
	n := 0
	return func(ctx context.Context) (int, error) {
		n++
		i, d := n, fast
		if i == 1 {
			d = slow
		}
		ok := s.Sleep(ctx, d)
		ended[i] = s.Elapsed()
		if !ok {
			errs[i] = ctx.Err()
			return 0, ctx.Err()
		}
		return i, nil
	}
}

// TestHedgedCallOnTheVirtualClockReturnsWithItsHedge is the blocker of the
// hedging simulations: DoHedged on the Scheduler's clock must fire its
// hedge in virtual time, return as soon as the hedge answers, and cancel
// the slow first attempt, which must wake where it waits (Sleep) and be
// awaited, at that same instant, not when it would have answered. It runs
// in a synctest bubble, so that a goroutine left behind fails it.
func TestHedgedCallOnTheVirtualClockReturnsWithItsHedge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewScheduler()
		ended, errs := map[int]time.Duration{}, map[int]error{}
		op := slowThenFast(s, time.Second, 5*time.Millisecond, ended, errs)
		var rec observe.Recorder
		var (
			v        int
			err      error
			returned time.Duration
		)
		s.Go(func(ctx context.Context) {
			v, err = retry.DoHedged(ctx, op, s.Option(), retry.Hedge(10*time.Millisecond, 2), retry.Subscribe(&rec))
			returned = s.Elapsed()
		})
		s.Run(time.Hour, func() bool { return s.Live() == 0 })
		if s.Live() != 0 {
			t.Errorf("Live() = %d once the call returned; want 0: every attempt awaited", s.Live())
		}
		s.Stop()
		if v != 2 || err != nil || returned != 15*time.Millisecond {
			t.Errorf("DoHedged = %d, %v at %v; want 2, nil at 15ms: the hedge's answer", v, err, returned)
		}
		if ended[1] != 15*time.Millisecond || !errors.Is(errs[1], context.Canceled) {
			t.Errorf("the first attempt returned at %v with %v; want at 15ms with context.Canceled: woken by its cancel", ended[1], errs[1])
		}
		want := []observe.Event{
			observe.HedgeStarted{Attempt: 2, InFlight: 2, Elapsed: 10 * time.Millisecond},
			observe.HedgeWon{Attempt: 2, Hedge: true, Elapsed: 15 * time.Millisecond},
			observe.HedgeCancelled{Attempt: 2, Losers: 1, Elapsed: 15 * time.Millisecond},
			observe.Success{Attempt: 2, Elapsed: 15 * time.Millisecond},
		}
		if diff := cmp.Diff(want, rec.Events(), cmpopts.EquateErrors()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

// TestHedgedCallOnTheVirtualClockWithoutHedge: a first attempt that
// answers before the delay is the call's, and no hedge starts.
func TestHedgedCallOnTheVirtualClockWithoutHedge(t *testing.T) {
	s := NewScheduler()
	ended, errs := map[int]time.Duration{}, map[int]error{}
	op := slowThenFast(s, 8*time.Millisecond, time.Millisecond, ended, errs)
	var v int
	var err error
	s.Go(func(ctx context.Context) {
		v, err = retry.DoHedged(ctx, op, s.Option(), retry.Hedge(10*time.Millisecond, 2))
	})
	s.Run(time.Hour, func() bool { return s.Live() == 0 })
	s.Stop()
	if v != 1 || err != nil || len(ended) != 1 || ended[1] != 8*time.Millisecond {
		t.Errorf("DoHedged = %d, %v, attempts ended %v; want 1, nil, and only the first, at 8ms", v, err, ended)
	}
}

// TestHedgedFailuresAsOnTheRealClock runs one hedged call with failures
// on the Scheduler and, on the real path, in a synctest bubble: an attempt
// that fails in a way worth retrying starts the next at once while another
// is in flight, and the decisions, attempts and events must be the same on both clocks.
func TestHedgedFailuresAsOnTheRealClock(t *testing.T) {
	errBusy := classify.MarkTransient(errors.New("busy"))
	// The attempts' times, in the order they start: the first three fail,
	// each starting the next at once while another is in flight, and the
	// fifth answers before the fourth: 1 at 0, 2 (the hedge) at 10ms, 3
	// when 1 fails at 20ms, 4 when 2 fails at 25ms, 5 when 3 fails at
	// 28ms, and 5 wins at 33ms.
	took := []time.Duration{20 * time.Millisecond, 15 * time.Millisecond, 8 * time.Millisecond, 50 * time.Millisecond, 5 * time.Millisecond}
	run := func(sleep func(context.Context, time.Duration) bool, now func() time.Duration, opts ...retry.Option) (v int, began []time.Duration, events []observe.Event, err error) {
		var rec observe.Recorder
		var mu sync.Mutex // the real path's attempts run on goroutines of their own
		op := func(ctx context.Context) (int, error) {
			mu.Lock()
			began = append(began, now())
			n := len(began)
			mu.Unlock()
			if !sleep(ctx, took[n-1]) {
				return 0, ctx.Err()
			}
			if n < 4 {
				return 0, errBusy
			}
			return n, nil
		}
		opts = append(opts, retry.Hedge(10*time.Millisecond, 2), retry.Backoff(backoff.Constant(time.Second)), retry.Subscribe(&rec))
		v, err = retry.DoHedged(context.Background(), op, opts...)
		mu.Lock()
		defer mu.Unlock()
		return v, began, rec.Events(), err
	}

	s := NewScheduler()
	var v int
	var err error
	var began []time.Duration
	var events []observe.Event
	s.Go(func(context.Context) {
		v, began, events, err = run(s.Sleep, s.Elapsed, s.Option())
	})
	s.Run(time.Hour, func() bool { return s.Live() == 0 })
	s.Stop()

	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		sleep := func(ctx context.Context, d time.Duration) bool {
			select {
			case <-time.After(d):
				return true
			case <-ctx.Done():
				return false
			}
		}
		now := func() time.Duration { return time.Since(start) }
		rv, rbegan, revents, rerr := run(sleep, now)
		want := []time.Duration{0, 10 * time.Millisecond, 20 * time.Millisecond, 25 * time.Millisecond, 28 * time.Millisecond}
		if rv != 5 || rerr != nil || !cmp.Equal(want, rbegan) {
			t.Errorf("on the real clock, DoHedged = %d, %v, attempts began at %v; want 5, nil, at %v", rv, rerr, rbegan, want)
		}
		if v != rv || err != rerr || !cmp.Equal(rbegan, began) {
			t.Errorf("on the Scheduler, DoHedged = %d, %v, attempts began at %v; want as on the real clock: %d, %v, %v", v, err, began, rv, rerr, rbegan)
		}
		if diff := cmp.Diff(revents, events, cmpopts.EquateErrors()); diff != "" {
			t.Errorf("events on the Scheduler (-real +virtual):\n%s", diff)
		}
	})
}

// TestStopEndsAHedgedCallInFlight stops a run while a hedged call waits
// for both its attempts: Stop must end every process, the call's and its
// hedge's, though the call, woken first, waits again for its hedge.
func TestStopEndsAHedgedCallInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewScheduler()
		ended, errs := map[int]time.Duration{}, map[int]error{}
		op := slowThenFast(s, time.Second, time.Second, ended, errs)
		var err error
		s.Go(func(ctx context.Context) {
			_, err = retry.DoHedged(ctx, op, s.Option(), retry.Hedge(10*time.Millisecond, 2))
		})
		s.Run(50*time.Millisecond, nil)
		if s.Live() != 2 {
			t.Fatalf("Live() = %d at 50ms; want 2: the call and its hedge", s.Live())
		}
		s.Stop()
		if !errors.Is(err, retry.ErrCancelled) || len(ended) != 2 {
			t.Errorf("DoHedged = %v, attempts ended %v; want ErrCancelled, both ended", err, ended)
		}
	})
}

// TestWithCancelWakesWaitsOnTheContextAndItsChildren checks the seam's
// cancel: a Sleep on a context that WithCancel made, or on one made from
// it (by WithCancel, through a context of another kind), ends when it is
// cancelled, at that time, and reports false.
func TestWithCancelWakesWaitsOnTheContextAndItsChildren(t *testing.T) {
	s := NewScheduler()
	var woke []time.Duration
	var oks []bool
	sleep := func(ctx context.Context) {
		s.Go(func(context.Context) {
			ok := s.Sleep(ctx, time.Hour)
			oks, woke = append(oks, ok), append(woke, s.Elapsed())
		})
	}
	parent, cancel := s.WithCancel(s.ctx)
	child, cancelChild := s.WithCancel(context.WithValue(parent, testKey{}, 1))
	defer cancelChild()
	grandchild, cancelGrandchild := s.WithCancel(child)
	defer cancelGrandchild()
	sleep(parent)
	sleep(grandchild)
	s.At(time.Second, cancel)
	s.At(2*time.Second, func() { sleep(grandchild) }) // already cancelled: at once
	s.Run(2*time.Hour, nil)
	s.Stop()
	want := []time.Duration{time.Second, time.Second, 2 * time.Second}
	if !cmp.Equal(want, woke) || !cmp.Equal([]bool{false, false, false}, oks) {
		t.Errorf("Sleeps woke at %v reporting %v; want %v, all false", woke, oks, want)
	}
}

// testKey is the key of a context's value in tests.
type testKey struct{}

// TestAfterFuncStops checks the seam's timer: stopped before it is due, it
// does not run and stop reports true; after, stop reports false.
func TestAfterFuncStops(t *testing.T) {
	s := NewScheduler()
	ran := 0
	stop1 := s.AfterFunc(time.Second, func() { ran++ })
	stop2 := s.AfterFunc(time.Second, func() { ran += 10 })
	if !stop1() {
		t.Error("stop() before the time = false; want true")
	}
	s.Run(time.Hour, nil)
	s.Stop()
	if ran != 10 || stop2() {
		t.Errorf("ran %d, stop() after = true; want 10, false", ran)
	}
}

// TestSlowTailLetsACancelledCallGo: a call cancelled while it waits for a
// worker returns at once, and the worker still serves it later, as a
// server that does not learn of the cancel does: the call after it waits
// for that work too.
func TestSlowTailLetsACancelledCallGo(t *testing.T) {
	s := NewScheduler()
	m := SlowTail{Fast: 10 * time.Millisecond, Workers: 1}
	down := m.build(s, rand.New(rand.NewPCG(1, 2)))
	ended := map[string]time.Duration{}
	errs := map[string]error{}
	call := func(name string, ctx context.Context) {
		s.Go(func(context.Context) {
			errs[name] = down.Call(ctx)
			ended[name] = s.Elapsed()
		})
	}
	call("a", s.ctx)
	ctx, cancel := s.WithCancel(s.ctx)
	call("b", ctx)
	s.At(time.Millisecond, cancel)
	s.At(2*time.Millisecond, func() { call("c", s.ctx) })
	s.Run(time.Hour, nil)
	s.Stop()
	want := map[string]time.Duration{"a": 10 * time.Millisecond, "b": time.Millisecond, "c": 30 * time.Millisecond}
	if diff := cmp.Diff(want, ended); diff != "" || !errors.Is(errs["b"], context.Canceled) || errs["a"] != nil || errs["c"] != nil {
		t.Errorf("calls ended (-want +got):\n%s\nerrors %v; want only b's, context.Canceled", diff, errs)
	}
}

// TestLatencyOnTheVirtualClock: the window of a Latency that the
// Scheduler made is virtual time: it forgets the attempts of a virtual
// window ago, however little real time has passed.
func TestLatencyOnTheVirtualClock(t *testing.T) {
	s := NewScheduler()
	l := s.Latency(retry.LatencyConfig{Window: time.Second, MinSamples: 5, Fallback: 500 * time.Millisecond})
	op := func(ctx context.Context) (int, error) {
		s.Sleep(ctx, 4*time.Millisecond)
		return 1, nil
	}
	var before, after time.Duration
	s.Go(func(ctx context.Context) {
		for range 10 {
			retry.DoHedged(ctx, op, s.Option(), retry.HedgeAdaptive(l, 2))
		}
		before = l.Delay()
		s.Sleep(ctx, 10*time.Second)
		after = l.Delay()
	})
	s.Run(time.Hour, nil)
	s.Stop()
	if before < 3*time.Millisecond || before > 5*time.Millisecond || after != 500*time.Millisecond {
		t.Errorf("Delay() = %v after ten 4ms attempts, %v 10s later; want about 4ms, then the fallback 500ms", before, after)
	}
}

// TestHedgingRunsAreDeterministic runs the slow-tail scenarios under each
// hedging policy twice with one seed: the Results must be equal to the
// digit, the loads and goodputs over time included, and every process
// must have ended (Run's Stop panics otherwise).
func TestHedgingRunsAreDeterministic(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		scenario string
		policy   Policy
	}{
		{"slow-tail", HedgingFixed},
		{"slow-tail", HedgingAdaptive},
		{"slow-tail-overload", HedgingBudget},
	} {
		sc := small(t, c.scenario)
		sc.Duration = 5 * time.Second // cheaper, and the overload's trigger is outside it
		a, b := Run(sc, c.policy, 3), Run(sc, c.policy, 3)
		if diff := cmp.Diff(a, b, cmpopts.IgnoreFields(Result{}, "Scenario"), cmp.AllowUnexported(Result{})); diff != "" {
			t.Errorf("%s under %s, two runs with seed 3 (-first +second):\n%s", c.scenario, c.policy.Name, diff)
		}
		if a.Calls <= a.Requests {
			t.Errorf("%s under %s: %d calls for %d requests; want some hedges", c.scenario, c.policy.Name, a.Calls, a.Requests)
		}
	}
}

// TestHedgingSVGDrawsTheSlowTailScenarios: the chart is well-formed XML,
// with a panel per slow-tail scenario, three latency bars and a load bar
// per policy, and nothing of the other scenarios.
func TestHedgingSVGDrawsTheSlowTailScenarios(t *testing.T) {
	t.Parallel()
	sc := small(t, "slow-tail")
	results := []Result{cell(small(t, "flaky"), Defaults), cell(sc, NoHedging), cell(sc, HedgingFixed), cell(sc, HedgingAdaptive)}
	var b bytes.Buffer
	if err := WriteHedgingSVG(&b, results); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("the chart is not well-formed XML: %v", err)
		}
	}
	for _, pol := range []string{"no-hedging", "hedging-fixed", "hedging-adaptive"} {
		if n := strings.Count(b.String(), "<title>"+pol); n != 4 {
			t.Errorf("%d bars of %s; want 4: p50, p99, p99.9 and the extra load", n, pol)
		}
	}
	if strings.Contains(b.String(), "defaults") || strings.Count(b.String(), "font-size=\"15\"") != 1 {
		t.Errorf("the chart draws other scenarios than slow-tail, or not one panel:\n%s", b.String())
	}
}

// TestHedgePanicOnTheVirtualClockReachesTheCaller: a hedge that panics
// ends the round; the first attempt is cancelled and awaited, and the
// panic is raised on the caller's process, which the Scheduler reports.
func TestHedgePanicOnTheVirtualClockReachesTheCaller(t *testing.T) {
	for _, first := range []bool{false, true} {
		s := NewScheduler()
		var firstEnded time.Duration
		n := 0
		op := func(ctx context.Context) (int, error) {
			n++
			i := n
			s.Sleep(ctx, map[int]time.Duration{1: time.Second, 2: 5 * time.Millisecond}[i])
			if i == 1 {
				firstEnded = s.Elapsed()
			}
			if first == (i == 1) {
				panic("boom")
			}
			return i, nil
		}
		s.Go(func(ctx context.Context) {
			retry.DoHedged(ctx, op, s.Option(), retry.Hedge(10*time.Millisecond, 2))
		})
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "boom") {
					t.Errorf("first panics %v: Run panicked with %q; want the op's panic", first, msg)
				}
			}()
			s.Run(time.Hour, nil)
			t.Errorf("first panics %v: Run returned; want a panic", first)
		}()
		// The hedge panics at 15ms, and the first, cancelled, ends then;
		// or the hedge wins at 15ms, and the first, cancelled, panics.
		if firstEnded != 15*time.Millisecond {
			t.Errorf("first panics %v: the first attempt ended at %v; want 15ms: cancelled and awaited before the panic went on", first, firstEnded)
		}
	}
}
