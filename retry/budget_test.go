package retry_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

func TestBudgetRejectsBadParameters(t *testing.T) {
	tests := []struct {
		ratio float64
		burst int
		want  string
	}{
		{-0.1, 10, "retry: Budget(-0.1, 10): ratio -0.1 must be within [0, 1000]"},
		{math.NaN(), 10, "retry: Budget(NaN, 10): ratio NaN must be within [0, 1000]"},
		{math.Inf(1), 10, "retry: Budget(+Inf, 10): ratio +Inf must be within [0, 1000]"},
		{1001, 10, "retry: Budget(1001, 10): ratio 1001 must be within [0, 1000]"},
		{0.1, 0, "retry: Budget(0.1, 0): burst 0 must be at least 1"},
		{0.1, -3, "retry: Budget(0.1, -3): burst -3 must be at least 1"},
		{0.1, math.MaxInt, "retry: Budget(0.1, 9223372036854775807): burst 9223372036854775807 is too large"},
	}
	for _, tt := range tests {
		called := false
		err := retry.Run(context.Background(), func(context.Context) error { called = true; return nil },
			retry.NewBudget(tt.ratio, tt.burst))
		if err == nil || err.Error() != tt.want || !errors.Is(err, retry.ErrInvalidOption) {
			t.Errorf("Run(NewBudget(%v, %v)) = %v; want %q matching ErrInvalidOption", tt.ratio, tt.burst, err, tt.want)
		}
		if called {
			t.Errorf("Run(NewBudget(%v, %v)) called the operation", tt.ratio, tt.burst)
		}
	}
}

func TestBudgetRefusesARetryWhenItsReserveIsEmpty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		budget := retry.NewBudget(0, 1) // one retry in all, earned by nobody
		var rec observe.Recorder
		opts := retry.Options(budget, retry.MaxAttempts(5), retry.Backoff(backoff.Constant(time.Second)), retry.Subscribe(&rec))

		f := newOp(repeat(transient, 5)...)
		_, err := retry.Do(t.Context(), f.do, opts)
		want := &retry.Error{Reason: retry.ErrBudgetExhausted, Attempts: 2, Last: errReset, Class: classify.Transient}
		if diff := diffError(want, err); diff != "" {
			t.Errorf("Do(…) error mismatch (-want +got):\n%s", diff)
		}
		if !errors.Is(err, errReset) || !errors.Is(err, retry.ErrBudgetExhausted) {
			t.Errorf("Do(…) = %v; want it to match ErrBudgetExhausted and the last error", err)
		}
		wantEvents := []observe.Event{
			observe.Retry{Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second},
			observe.BudgetExhausted{Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second},
		}
		if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
			t.Errorf("Do(…) events mismatch (-want +got):\n%s", diff)
		}

		// The first attempt is never refused, even with nothing left.
		rec.Reset()
		g := newOp(transient)
		v, err := retry.Do(t.Context(), g.do, opts)
		if g.calls() != 1 || !errors.Is(err, retry.ErrBudgetExhausted) {
			t.Errorf("Do(…) with an empty budget = %v, %v after %d attempts; want ErrBudgetExhausted after 1", v, err, g.calls())
		}
	})
}

func TestBudgetIsNotSpentOnARetryThatDoesNotHappen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		budget := retry.NewBudget(0, 2)
		// A wait that does not fit before the deadline, a permanent error and
		// the attempt cap stop the call before the budget is asked.
		calls := [][]retry.Option{
			{retry.Deadline(time.Second), retry.Backoff(backoff.Constant(time.Minute))},
			{retry.MaxAttempts(1)},
		}
		for _, opts := range calls {
			f := newOp(transient)
			retry.Do(t.Context(), f.do, append([]retry.Option{budget}, opts...)...)
		}
		f := newOp(permanent)
		retry.Do(t.Context(), f.do, budget)
		if got := budget.Available(); got != 2 {
			t.Errorf("Available() = %v after calls that stopped without retrying; want 2", got)
		}
	})
}

func TestBudgetEarnsRatioPerCallAndOnePerSuccessUpToBurst(t *testing.T) {
	budget := retry.NewBudget(0.25, 3)
	if got := budget.Available(); got != 3 {
		t.Fatalf("Available() = %v at start; want 3 (a full reserve)", got)
	}
	// Spend the reserve: a call that always fails retries until refused.
	err := retry.Run(context.Background(), func(context.Context) error { return transient },
		budget, retry.MaxAttempts(100), retry.Backoff(backoff.Constant(0)))
	if !errors.Is(err, retry.ErrBudgetExhausted) {
		t.Fatalf("Run(always failing) = %v; want ErrBudgetExhausted", err)
	}
	// It began with a full reserve, so it earned nothing, and spent all 3.
	if got := budget.Available(); got != 0 {
		t.Fatalf("Available() = %v after the reserve was spent; want 0", got)
	}
	// A call that fails without retrying earns its ratio and no more.
	failOnce := func(context.Context) error { return permanent }
	for i, want := range []float64{0.25, 0.5, 0.75, 1} {
		retry.Run(context.Background(), failOnce, budget)
		if got := budget.Available(); got != want {
			t.Errorf("Available() = %v after %d more failed calls; want %v", got, i+1, want)
		}
	}
	// A call that succeeds earns its ratio and one retry.
	ok := func(context.Context) error { return nil }
	retry.Run(context.Background(), ok, budget)
	if got := budget.Available(); got != 2.25 {
		t.Errorf("Available() = %v after a success; want 2.25", got)
	}
	retry.Run(context.Background(), ok, budget)
	if got := budget.Available(); got != 3 {
		t.Errorf("Available() = %v after two successes; want 3, the burst", got)
	}
	for range 100 {
		retry.Run(context.Background(), ok, budget)
	}
	if got := budget.Available(); got != 3 {
		t.Errorf("Available() = %v after many calls; want 3, the burst", got)
	}
}

// TestBudgetSuccessPaysForARetry: a call that succeeds after its retries
// earns one retry back, whichever attempt succeeded, so that the next call
// may retry once more.
func TestBudgetSuccessPaysForARetry(t *testing.T) {
	budget := retry.NewBudget(0, 2) // two retries, and only successes earn more
	opts := retry.Options(budget, retry.MaxAttempts(5), retry.Backoff(backoff.Constant(0)))
	f := newOp(transient, transient) // fails twice, then succeeds
	if _, err := retry.Do(context.Background(), f.do, opts); err != nil || f.calls() != 3 {
		t.Fatalf("Do(fails twice) = %v after %d attempts; want success after 3", err, f.calls())
	}
	if got := budget.Available(); got != 1 {
		t.Errorf("Available() = %v after 2 retries and a success; want 1", got)
	}
	g := newOp(repeat(transient, 5)...)
	_, err := retry.Do(context.Background(), g.do, opts)
	if !errors.Is(err, retry.ErrBudgetExhausted) || g.calls() != 2 {
		t.Errorf("Do(always failing) = %v after %d attempts; want ErrBudgetExhausted after 2 (one retry paid by the success)", err, g.calls())
	}
}

// TestBudgetKeepsRetryingRandomFaults pins what the success rule is for: a
// dependency that loses 40% of attempts at random is not a dependency that
// is down, and a Budget(0.1, 10) allows about every retry its calls need
// (a budget earned by calls alone refused a third of the calls).
func TestBudgetKeepsRetryingRandomFaults(t *testing.T) {
	successes := func(budget retry.Option) int {
		rng := rand.New(rand.NewPCG(4, 40))
		opts := retry.Options(budget, retry.Backoff(backoff.Constant(0)), retry.NoDeadline())
		ok := 0
		for range 1000 {
			err := retry.Run(context.Background(), func(context.Context) error {
				if rng.Float64() < 0.4 {
					return transient
				}
				return nil
			}, opts)
			if err == nil {
				ok++
			}
		}
		return ok
	}
	with, without := successes(retry.NewBudget(0.1, 10)), successes(retry.NoBudget())
	if float64(with) < 0.99*float64(without) {
		t.Errorf("1000 calls losing 40%% of attempts: %d succeeded with Budget(0.1, 10), %d without; want at least 99%% of them", with, without)
	}
}

// TestBudgetBoundHoldsOverEveryInterval checks the bound the Budget's doc
// states, over every interval of thousands of random sequences of calls:
// retries ≤ ratio × calls begun + calls succeeded + burst. It also checks
// that the bound is reached, to within one retry, when every call fails.
func TestBudgetBoundHoldsOverEveryInterval(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for seq := range 2000 {
		ratio := []float64{0, 0.05, 0.1, 1.0 / 3, 0.5, 1, 2.5}[rng.IntN(7)]
		burst := 1 + rng.IntN(5)
		failRate := rng.Float64()
		n := 20 + rng.IntN(60)
		budget := retry.NewBudget(ratio, burst)
		opts := retry.Options(budget, retry.MaxAttempts(1+rng.IntN(6)), retry.Backoff(backoff.Constant(0)), retry.NoDeadline())

		retries := make([]int, n) // per call, in the order calls began
		succeeded := make([]bool, n)
		for i := range n {
			attempts := 0
			err := retry.Run(context.Background(), func(context.Context) error {
				attempts++
				if rng.Float64() < failRate {
					return transient
				}
				return nil
			}, opts)
			retries[i], succeeded[i] = attempts-1, err == nil
		}
		for i := range n {
			sum, ok := 0, 0
			for j := i; j < n; j++ {
				sum += retries[j]
				if succeeded[j] {
					ok++
				}
				if bound := ratio*float64(j-i+1) + float64(ok+burst); float64(sum) > bound {
					t.Fatalf("sequence %d (ratio %v, burst %d): calls %d..%d made %d retries, %d succeeded; bound %v",
						seq, ratio, burst, i, j, sum, ok, bound)
				}
			}
		}
	}

	// Tightness: when every call fails and may retry a lot, the retries
	// reach the bound to within one.
	for _, ratio := range []float64{0.1, 0.25, 1.0 / 3, 1} {
		const calls, burst = 1000, 10
		budget := retry.NewBudget(ratio, burst)
		total := 0
		for range calls {
			retry.Run(context.Background(), func(context.Context) error { total++; return transient },
				budget, retry.MaxAttempts(50), retry.Backoff(backoff.Constant(0)))
		}
		retries := total - calls
		bound := ratio*calls + burst
		if float64(retries) > bound || float64(retries) < math.Floor(bound)-1 {
			t.Errorf("ratio %v: %d calls that always fail made %d retries; want within 1 of %v, not above", ratio, calls, retries, bound)
		}
	}
}

func TestBudgetSharedAcrossGoroutines(t *testing.T) {
	const goroutines, callsEach = 8, 500
	const ratio, burst = 0.1, 10
	budget := retry.NewBudget(ratio, burst)
	opts := retry.Options(budget, retry.MaxAttempts(10), retry.Backoff(backoff.Constant(0)))
	var mu sync.Mutex
	attempts, refused := 0, 0
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range callsEach {
				n := 0
				err := retry.Run(context.Background(), func(context.Context) error {
					n++
					if (g+i)%2 == 0 { // half the calls always fail
						return transient
					}
					return nil
				}, opts)
				mu.Lock()
				attempts += n
				if errors.Is(err, retry.ErrBudgetExhausted) {
					refused++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	const calls = goroutines * callsEach
	// Half the calls succeed, each earning a retry. Calls that begin or
	// succeed while the reserve is full earn nothing, and how many do
	// depends on the interleaving: the bound is exact, the use of it only
	// nearly so.
	const bound = ratio*calls + calls/2 + burst
	if retries := attempts - calls; float64(retries) > bound || float64(retries) < 0.9*bound {
		t.Errorf("%d calls, half failing, made %d retries; want at most %v, and most of it used", calls, retries, bound)
	}
	if refused == 0 {
		t.Errorf("no call was refused; want the budget to refuse most failing calls")
	}
}

func TestNoBudgetLiftsABundlesBudget(t *testing.T) {
	budget := retry.NewBudget(0, 1)
	bundle := retry.Options(budget, retry.Backoff(backoff.Constant(0)), retry.MaxAttempts(4))
	n := 0
	err := retry.Run(context.Background(), func(context.Context) error { n++; return transient }, bundle, retry.NoBudget())
	if !errors.Is(err, retry.ErrMaxAttempts) || n != 4 {
		t.Errorf("Run(bundle, NoBudget()) = %v after %d attempts; want ErrMaxAttempts after 4", err, n)
	}
	if got := budget.Available(); got != 1 {
		t.Errorf("Available() = %v; want 1, untouched", got)
	}
	if got, want := retry.Options(budget, retry.NoBudget()).String(), "Options(Budget(0, 1), NoBudget())"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}

// TestNestedLoopsRetryAtOneLayer: three layers of MaxAttempts(3) around an
// operation that always fails make 3 calls at the bottom, not 27, because an
// inner loop's *Error is Permanent to the loop around it, and the word that
// a loop gave up after retrying goes up through every layer: a classifier
// that says an inner *Error is Transient does not undo it.
func TestNestedLoopsRetryAtOneLayer(t *testing.T) {
	layers := func(outer ...retry.Option) int {
		calls := 0
		opts := []retry.Option{retry.MaxAttempts(3), retry.Backoff(backoff.Constant(0))}
		bottom := func(context.Context) error { calls++; return transient }
		middle := func(ctx context.Context) error { return retry.Run(ctx, bottom, opts...) }
		top := func(ctx context.Context) error { return retry.Run(ctx, middle, append(opts, outer...)...) }
		err := retry.Run(context.Background(), top, append(opts, outer...)...)
		if !errors.Is(err, errReset) {
			t.Errorf("Run(3 layers) = %v; want the bottom's error inside", err)
		}
		return calls
	}
	if got := layers(); got != 3 {
		t.Errorf("3 layers of 3 attempts made %d calls at the bottom; want 3", got)
	}
	retryInner := retry.Classifier(classify.Chain(classify.As[*retry.Error](classify.Transient), classify.Default()))
	if got := layers(retryInner); got != 3 {
		t.Errorf("3 layers of 3 attempts that retry inner failures made %d calls; want 3", got)
	}
}
