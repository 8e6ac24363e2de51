package retry_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// These tests attack the promises of DoHedged, Hedge and HedgeRelease: the
// orderings of finishes, failures, panics and cancellations that the
// documentation names, and random mixtures of them, on fake time.

// An outcome is what an attempt of a scenarioOp does once its time has
// passed.
type outcome int

const (
	succeeds outcome = iota
	failsTransient
	failsUnknown
	failsPermanent
	pushesBack // a RateLimit failure with a hint
	isRejected // returns a value that the result classifier rejects
	panics
	numOutcomes
)

// A scenarioStep is one attempt of a scenarioOp.
type scenarioStep struct {
	after    time.Duration
	does     outcome
	stubborn bool // ignores its context's end
}

func (s scenarioStep) String() string {
	return fmt.Sprintf("{%v %d %v}", s.after, s.does, s.stubborn)
}

// scenarioOp runs its steps, one per attempt in the order they start, and
// records what each attempt did. The value an attempt returns is unique:
// 100 + its index for a success, 200 + its index for a rejected value.
type scenarioOp struct {
	steps []scenarioStep

	mu        sync.Mutex
	started   int
	ended     int
	inFlight  int
	maxFlight int
	ctxs      []context.Context
	values    map[int]bool // the values returned with a nil error
	panicked  int          // attempts that panicked
}

func (o *scenarioOp) do(ctx context.Context) (int, error) {
	o.mu.Lock()
	i := o.started
	o.started++
	o.inFlight++
	o.maxFlight = max(o.maxFlight, o.inFlight)
	o.ctxs = append(o.ctxs, ctx)
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		o.ended++
		o.inFlight--
		o.mu.Unlock()
	}()
	s := scenarioStep{after: time.Hour, does: failsPermanent}
	if i < len(o.steps) {
		s = o.steps[i]
	}
	t := time.NewTimer(s.after)
	defer t.Stop()
	done := ctx.Done()
	if s.stubborn {
		done = nil
	}
	select {
	case <-t.C:
	case <-done:
		return 0, ctx.Err()
	}
	switch s.does {
	case succeeds, isRejected:
		v := 100 + i
		if s.does == isRejected {
			v = 200 + i
		}
		o.mu.Lock()
		o.values[v] = true
		o.mu.Unlock()
		return v, nil
	case failsTransient:
		return 0, classify.MarkTransient(errFailed)
	case failsUnknown:
		return 0, errFailed
	case failsPermanent:
		return 0, classify.MarkPermanent(errFailed)
	case pushesBack:
		return 0, classify.MarkRateLimit(errFailed, 30*time.Millisecond)
	}
	o.mu.Lock()
	o.panicked++
	o.mu.Unlock()
	panic(errPanic)
}

// TestHedgebreakRandomScenarios runs hedged calls of random attempts and
// options, and checks what must hold whatever happens: DoHedged returns
// once every attempt has returned, with every attempt's context done and
// no goroutine of the call left; it never has more attempts in flight than
// Hedge's max, nor more in all than MaxAttempts; a panic of any attempt is
// raised; every value an attempt returned with a nil error is either
// returned or released, once; the events of the hedges are in order.
func TestHedgebreakRandomScenarios(t *testing.T) {
	// A fixed seed: the same scenarios every run (the order in which
	// attempts that end at one instant settle still varies). Other seeds
	// were run, 30,000 scenarios in all, when this test was written.
	const scenarios, seed = 200, 16
	rng := rand.New(rand.NewPCG(seed, 7))
	for n := range scenarios {
		steps := make([]scenarioStep, 1+rng.IntN(7))
		for i := range steps {
			steps[i] = scenarioStep{
				after:    time.Duration(1+rng.IntN(12)) * 5 * time.Millisecond,
				does:     outcome(rng.IntN(int(numOutcomes))),
				stubborn: rng.IntN(4) == 0,
			}
			if rng.IntN(3) > 0 && steps[i].does == panics {
				steps[i].does = succeeds // panics, rarer
			}
		}
		hedgeMax := 2 + rng.IntN(2)
		maxAttempts := 1 + rng.IntN(len(steps))
		opts := []retry.Option{
			retry.Hedge(time.Duration(rng.IntN(5))*10*time.Millisecond, hedgeMax),
			retry.MaxAttempts(maxAttempts),
			retry.Backoff(backoff.Constant(time.Duration(rng.IntN(3)) * 10 * time.Millisecond)),
			retry.ClassifyResult(func(v int) (classify.Class, bool) { return classify.Transient, v >= 200 }),
		}
		desc := []string{fmt.Sprintf("Hedge(max %d), MaxAttempts(%d)", hedgeMax, maxAttempts)}
		if rng.IntN(3) == 0 {
			opts = append(opts, retry.AttemptTimeout(40*time.Millisecond))
			desc = append(desc, "AttemptTimeout(40ms)")
		}
		if rng.IntN(3) == 0 {
			opts = append(opts, retry.Deadline(time.Duration(1+rng.IntN(10))*20*time.Millisecond))
			desc = append(desc, "Deadline")
		}
		var budget *retry.Budget
		if rng.IntN(3) == 0 {
			budget = retry.NewBudget(0, 1+rng.IntN(2))
			opts = append(opts, budget)
			desc = append(desc, "Budget")
		}
		useBreaker := rng.IntN(3) == 0
		cancelAt := time.Duration(0)
		if rng.IntN(4) == 0 {
			cancelAt = time.Duration(1+rng.IntN(20)) * 5 * time.Millisecond
			desc = append(desc, fmt.Sprintf("cancel at %v", cancelAt))
		}
		name := fmt.Sprintf("%d: %v %s", n, steps, strings.Join(desc, ", "))
		synctest.Test(t, func(t *testing.T) {
			if useBreaker {
				opts = append(opts, retry.Breaker(breaker.New(breaker.Config{Name: "b", ConsecutiveFailures: 2, BreakDuration: 50 * time.Millisecond})))
			}
			op := &scenarioOp{steps: steps, values: map[int]bool{}}
			var mu sync.Mutex
			released := map[int]int{}
			var rec observe.Recorder
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if cancelAt > 0 {
				time.AfterFunc(cancelAt, cancel)
			}
			synctest.Wait()
			before := bubbleGoroutines()
			var v int
			var err error
			p := func() (p any) {
				defer func() { p = recover() }()
				v, err = retry.DoHedged(ctx, op.do, append(opts, retry.Subscribe(&rec), retry.HedgeRelease(func(v int) {
					mu.Lock()
					released[v]++
					mu.Unlock()
				}))...)
				return nil
			}()
			op.mu.Lock()
			defer op.mu.Unlock()
			if op.ended != op.started {
				t.Errorf("%s: DoHedged returned with %d of %d attempts still running", name, op.started-op.ended, op.started)
			}
			for i, c := range op.ctxs {
				if c.Err() == nil {
					t.Errorf("%s: attempt %d's context not done after DoHedged returned", name, i+1)
				}
			}
			if op.maxFlight > hedgeMax {
				t.Errorf("%s: %d attempts in flight at once; want at most %d", name, op.maxFlight, hedgeMax)
			}
			if op.started > maxAttempts {
				t.Errorf("%s: %d attempts; want at most %d", name, op.started, maxAttempts)
			}
			switch {
			case op.panicked > 0 && p != errPanic:
				t.Errorf("%s: %d attempts panicked, DoHedged panicked with %v, returned %v, %v; want the panic raised", name, op.panicked, p, v, err)
			case op.panicked == 0 && p != nil:
				t.Errorf("%s: DoHedged panicked with %v; no attempt did", name, p)
			}
			for val := range op.values {
				want := 1
				if p == nil && val == v {
					want = 0 // returned
				}
				if released[val] != want {
					t.Errorf("%s: value %d released %d times; want %d (DoHedged returned %v, %v, panic %v)", name, val, released[val], want, v, err, p)
				}
			}
			for val, n := range released {
				if !op.values[val] {
					t.Errorf("%s: value %d released %d times; no attempt returned it", name, val, n)
				}
			}
			last, lastAttempt := time.Duration(0), 0
			for _, e := range rec.Events() {
				var at time.Duration
				switch e := e.(type) {
				case observe.HedgeStarted:
					if e.Attempt <= lastAttempt || e.Attempt > op.started {
						t.Errorf("%s: HedgeStarted of attempt %d after attempt %d, of %d", name, e.Attempt, lastAttempt, op.started)
					}
					lastAttempt, at = e.Attempt, e.Elapsed
				case observe.HedgeWon:
					at = e.Elapsed
				case observe.HedgeCancelled:
					at = e.Elapsed
				default:
					continue
				}
				if at < last {
					t.Errorf("%s: events out of order: %v at %v after one at %v", name, e, at, last)
				}
				last = at
			}
			synctest.Wait()
			if after := bubbleGoroutines(); after != before {
				t.Errorf("%s: %d goroutines in the bubble after DoHedged returned; want %d", name, after, before)
			}
		})
	}
}

// TestHedgebreakPanicInALoserIsRaised: a hedge that panics after another
// attempt won is not lost: DoHedged raises its panic on the caller's
// goroutine, as it raises a panic of the first attempt that lost, once
// every attempt has returned; and no value is left unreleased.
func TestHedgebreakPanicInALoserIsRaised(t *testing.T) {
	for _, tt := range []struct {
		name  string
		steps []hedgeStep
	}{
		{"a hedge that ignores its cancellation", []hedgeStep{
			{after: 100 * time.Millisecond, v: 1},
			{after: 200 * time.Millisecond, panics: true, stubborn: true},
		}},
		{"a hedge that ends with the winner", []hedgeStep{
			{after: 100 * time.Millisecond, v: 1},
			{after: 50 * time.Millisecond, panics: true},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				op := newHedgeOp(t, tt.steps...)
				var released []int
				synctest.Wait()
				before := bubbleGoroutines()
				p, err := callHedged(t.Context(), op.do, retry.Hedge(50*time.Millisecond, 2),
					retry.HedgeRelease(func(v int) { released = append(released, v) }))
				if p != errPanic {
					t.Errorf("DoHedged = %v, panicked with %v; want the hedge's panic, %v", err, p, errPanic)
				}
				if len(released) != 1 || released[0] != 1 {
					t.Errorf("released %v; want [1]: a call that panics returns no value", released)
				}
				synctest.Wait()
				if after := bubbleGoroutines(); after != before {
					t.Errorf("%d goroutines in the bubble after DoHedged panicked; want %d, as before", after, before)
				}
			})
		})
	}
}

// TestHedgebreakPanicReleasesTheLastRejectedValue: a call that panics
// returns no value, so the value it kept as the last one rejected goes to
// the release function too.
func TestHedgebreakPanicReleasesTheLastRejectedValue(t *testing.T) {
	for _, hedged := range []bool{false, true} {
		t.Run(fmt.Sprintf("round raced %v", hedged), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				second := hedgeStep{after: 10 * time.Millisecond, panics: true}
				steps := []hedgeStep{{after: 10 * time.Millisecond, v: 5}, second}
				if hedged { // the second round's first attempt panics after its hedge started
					steps[1].after = 100 * time.Millisecond
					steps = append(steps, hedgeStep{after: time.Second, v: 3})
				}
				op := newHedgeOp(t, steps...)
				var released []int
				p, _ := callHedged(t.Context(), op.do, retry.Hedge(50*time.Millisecond, 2), retry.Backoff(backoff.Constant(0)),
					retry.ClassifyResult(func(v int) (classify.Class, bool) { return classify.Transient, v == 5 }),
					retry.HedgeRelease(func(v int) { released = append(released, v) }))
				if p != errPanic || !slices.Contains(released, 5) {
					t.Errorf("DoHedged panicked with %v, released %v; want %v, and 5, the value rejected, released", p, released, errPanic)
				}
			})
		})
	}
}

// TestHedgebreakPanicInAClassifierDuringARace: a classifier of the
// caller's that panics unwinds DoHedged on the caller's goroutine, as it
// unwinds Do, also when the failure it classifies is settled while the
// round races: not on the timer's goroutine, which would crash the
// program, and not before every attempt has returned.
func TestHedgebreakPanicInAClassifierDuringARace(t *testing.T) {
	errOdd := errors.New("odd")
	cl := classify.Func(func(err error) classify.Class {
		if errors.Is(err, errOdd) {
			panic(errPanic)
		}
		return classify.Transient
	})
	for _, tt := range []struct {
		name  string
		steps []hedgeStep
	}{
		{"the hedge's failure", []hedgeStep{{after: 100 * time.Millisecond, v: 1, stubborn: true}, {after: 10 * time.Millisecond, err: errOdd}}},
		{"the first's failure", []hedgeStep{{after: 60 * time.Millisecond, err: errOdd}, {after: 100 * time.Millisecond, v: 2, stubborn: true}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				op := newHedgeOp(t, tt.steps...)
				var released []int
				synctest.Wait()
				before := bubbleGoroutines()
				p, _ := callHedged(t.Context(), op.do, retry.Hedge(50*time.Millisecond, 2), retry.Classifier(cl),
					retry.HedgeRelease(func(v int) { released = append(released, v) }))
				if p != errPanic {
					t.Errorf("DoHedged panicked with %v; want the classifier's %v", p, errPanic)
				}
				_, ended, _ := op.record()
				if at := time.Since(op.start); at != slices.Max(ended) {
					t.Errorf("DoHedged panicked at %v; want %v, once the other attempt returned", at, slices.Max(ended))
				}
				if len(released) != 1 {
					t.Errorf("released %v; want the other attempt's value", released)
				}
				synctest.Wait()
				if after := bubbleGoroutines(); after != before {
					t.Errorf("%d goroutines in the bubble after DoHedged panicked; want %d, as before", after, before)
				}
			})
		})
	}
}

// TestHedgebreakClassCapsStopNewAttempts: a failure that reaches its
// class's cap (MaxUnknownAttempts, 2 by default, or MaxAttemptsFor) while
// others are in flight starts no attempt in its place, and no hedge
// starts after it: Do would give up there. The attempts in flight go on,
// as when MaxAttempts is reached, and one that succeeds wins.
func TestHedgebreakClassCapsStopNewAttempts(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		opts []retry.Option
	}{
		{"Unknown, by default", errFailed, nil},
		{"MaxAttemptsFor", classify.MarkServerError(errFailed), []retry.Option{retry.MaxAttemptsFor(classify.ServerError, 2)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				op := newHedgeOp(t,
					hedgeStep{after: time.Second, v: 1},
					hedgeStep{after: 10 * time.Millisecond, err: tt.err}, // at 20ms, replaced at once
					hedgeStep{after: 10 * time.Millisecond, err: tt.err}, // at 30ms: the cap
					hedgeStep{after: 10 * time.Millisecond, v: 4},
				)
				opts := append([]retry.Option{retry.Hedge(10*time.Millisecond, 2)}, tt.opts...)
				v, err := retry.DoHedged(t.Context(), op.do, opts...)
				began, _, _ := op.record()
				if err != nil || v != 1 || !slices.Equal(began, ms(0, 10, 20)) {
					t.Errorf("DoHedged() = %v, %v; attempts began at %v; want 1, nil, and attempts at [0s 10ms 20ms]: none after the cap", v, err, began)
				}
			})
		})
	}
	t.Run("the call gives up at the round's end", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			op := newHedgeOp(t,
				hedgeStep{after: 100 * time.Millisecond, err: classify.MarkTransient(errFailed)},
				hedgeStep{after: 10 * time.Millisecond, err: errFailed},
				hedgeStep{after: 10 * time.Millisecond, err: errFailed},
				hedgeStep{after: 10 * time.Millisecond, v: 4},
			)
			_, err := retry.DoHedged(t.Context(), op.do, retry.Hedge(10*time.Millisecond, 2))
			if began, _, _ := op.record(); !errors.Is(err, retry.ErrMaxUnknownAttempts) || len(began) != 3 {
				t.Errorf("DoHedged() = %v after attempts at %v; want ErrMaxUnknownAttempts after 3", err, began)
			}
		})
	})
}

// TestHedgebreakReturnsTheLastValueRejected: when the call gives up, it
// returns the last value that the result classifier rejected, as Do does,
// even if an attempt that failed with an error came after it in its
// round; that value is not released.
func TestHedgebreakReturnsTheLastValueRejected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := newHedgeOp(t,
			hedgeStep{after: 15 * time.Millisecond, v: 5},                                   // rejected at 15ms, the hedge in flight
			hedgeStep{after: 20 * time.Millisecond, err: classify.MarkTransient(errFailed)}, // fails at 30ms
		)
		var released []int
		v, err := retry.DoHedged(t.Context(), op.do, retry.Hedge(10*time.Millisecond, 2), retry.MaxAttempts(2),
			retry.ClassifyResult(func(v int) (classify.Class, bool) { return classify.Transient, v == 5 }),
			retry.HedgeRelease(func(v int) { released = append(released, v) }))
		if v != 5 || !errors.Is(err, retry.ErrMaxAttempts) || len(released) != 0 {
			t.Errorf("DoHedged() = %v, %v; released %v; want 5, ErrMaxAttempts, nothing released", v, err, released)
		}
	})
}

// TestHedgebreakEventsTellWhenTheRoundWasDecided: HedgeWon and
// HedgeCancelled tell, in Elapsed, when they happened, the instant the
// winner answered and the others were cancelled, not when the slowest
// loser, which ignored its cancellation, returned at last.
func TestHedgebreakEventsTellWhenTheRoundWasDecided(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := newHedgeOp(t, hedgeStep{after: time.Second, v: 1, stubborn: true}, hedgeStep{after: 10 * time.Millisecond, v: 2})
		var rec observe.Recorder
		if _, err := retry.DoHedged(t.Context(), op.do, retry.Name("get"), retry.Hedge(50*time.Millisecond, 2), retry.Subscribe(&rec)); err != nil {
			t.Fatal(err)
		}
		want := []observe.Event{
			observe.HedgeStarted{Operation: "get", Attempt: 2, InFlight: 2, Elapsed: 50 * time.Millisecond},
			observe.HedgeWon{Operation: "get", Attempt: 2, Hedge: true, Elapsed: 60 * time.Millisecond},
			observe.HedgeCancelled{Operation: "get", Attempt: 2, Losers: 1, Elapsed: 60 * time.Millisecond},
			observe.Success{Operation: "get", Attempt: 2, Elapsed: time.Second},
		}
		if diff := cmp.Diff(want, rec.Events()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

// TestHedgebreakSuccessNamesTheWinner: when the round's first attempt wins
// over a hedge that started after it, Success names the attempt that
// succeeded, the first, as HedgeWon does, not the number of attempts
// started.
func TestHedgebreakSuccessNamesTheWinner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := newHedgeOp(t, hedgeStep{after: 80 * time.Millisecond, v: 1}, hedgeStep{after: time.Second, v: 2})
		var rec observe.Recorder
		if _, err := retry.DoHedged(t.Context(), op.do, retry.Name("get"), retry.Hedge(50*time.Millisecond, 2), retry.Subscribe(&rec)); err != nil {
			t.Fatal(err)
		}
		want := []observe.Event{
			observe.HedgeStarted{Operation: "get", Attempt: 2, InFlight: 2, Elapsed: 50 * time.Millisecond},
			observe.HedgeWon{Operation: "get", Attempt: 1, Hedge: false, Elapsed: 80 * time.Millisecond},
			observe.HedgeCancelled{Operation: "get", Attempt: 1, Losers: 1, Elapsed: 80 * time.Millisecond},
			observe.Success{Operation: "get", Attempt: 1, Elapsed: 80 * time.Millisecond},
		}
		if diff := cmp.Diff(want, rec.Events()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}
