package sim

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// TestSlowTailDrawsEachCallAlone checks the slow tail's shape, and that a
// call is slow by a draw of its own: a client whose call was slow is no
// likelier than any other to make a slow call next.
func TestSlowTailDrawsEachCallAlone(t *testing.T) {
	t.Parallel()
	const clients, calls = 4, 5000
	s := NewScheduler()
	down := tail.build(s, rand.New(rand.NewPCG(1, 2)))
	lo, hi := tail.Fast-tail.Jitter, tail.Fast+tail.Jitter
	slowLo := time.Duration(float64(tail.Fast) * tail.SlowMin)
	slowHi := time.Duration(float64(tail.Fast) * tail.SlowMax)
	slow, slowAfterSlow := [clients]int{}, 0
	for c := range clients {
		s.Go(func(ctx context.Context) {
			before := false
			for range calls {
				start := s.Elapsed()
				if err := down.Call(ctx); err != nil {
					t.Errorf("Call() = %v; want nil: the slow tail never fails", err)
					return
				}
				d := s.Elapsed() - start
				isSlow := d >= slowLo
				switch {
				case isSlow && d > slowHi, !isSlow && (d < lo || d > hi):
					t.Errorf("a call took %v; want %v to %v, or %v to %v", d, lo, hi, slowLo, slowHi)
				}
				if isSlow {
					slow[c]++
					if before {
						slowAfterSlow++
					}
				}
				before = isSlow
			}
		})
	}
	s.Run(time.Hour, nil)
	s.Stop()
	total := 0
	for c, n := range slow {
		total += n
		if share := float64(n) / calls; share < 0.015 || share > 0.025 {
			t.Errorf("client %d: %d of %d calls slow (%.2f%%); want about %v%%", c, n, calls, 100*share, 100*tail.Slow)
		}
	}
	// If slowness were drawn per request or per client, every call after
	// a slow one would be slow.
	if share := float64(slowAfterSlow) / float64(total); share > 0.05 {
		t.Errorf("%d of %d slow calls were followed by a slow one (%.1f%%); want about %v%%, as any call", slowAfterSlow, total, 100*share, 100*tail.Slow)
	}
}

// TestSlowTailWorkersServeItsCapacity queues many calls at once on a slow
// tail with workers and checks that it serves them at its Capacity, half
// of it during its drop, and never more calls at once than its workers.
func TestSlowTailWorkersServeItsCapacity(t *testing.T) {
	t.Parallel()
	m := tail
	m.Workers, m.Drop, m.DropFactor = 8, Window{time.Second, 3 * time.Second}, 0.5
	const calls = 3000
	s := NewScheduler()
	st := m.build(s, rand.New(rand.NewPCG(1, 2))).(*slowTail)
	var done []time.Duration
	for range calls {
		s.Go(func(ctx context.Context) {
			if err := st.Call(ctx); err != nil {
				t.Errorf("Call() = %v; want nil", err)
			}
			done = append(done, s.Elapsed())
			// Calls begun before the drop go on: the slowest ends 500 ms in.
			settled := m.Drop.Contains(s.Elapsed()) && s.Elapsed() >= m.Drop.From+500*time.Millisecond
			if st.busy > st.Workers || settled && st.busy > st.workers() {
				t.Errorf("at %v, %d calls served at once; want at most %d", s.Elapsed(), st.busy, st.workers())
			}
		})
	}
	s.Run(time.Hour, nil)
	s.Stop()
	if len(done) != calls {
		t.Fatalf("%d calls done; want %d", len(done), calls)
	}
	rate := func(from, to time.Duration) float64 {
		n := 0
		for _, d := range done {
			if d >= from && d < to {
				n++
			}
		}
		return float64(n) / (to - from).Seconds()
	}
	c := m.Capacity()
	for _, w := range []struct {
		from, to time.Duration
		want     float64
	}{
		{0, time.Second, c},
		{time.Second + 200*time.Millisecond, 3 * time.Second, c * m.DropFactor}, // once the calls begun before the drop are served
		{3*time.Second + 200*time.Millisecond, 5 * time.Second, c},
	} {
		if got := rate(w.from, w.to); got < 0.85*w.want || got > 1.15*w.want {
			t.Errorf("from %v to %v, %.0f calls served per second; want about %.0f", w.from, w.to, got, w.want)
		}
	}
}

// TestSlowTailWithoutHedgingKeepsItsTail pins the baseline that hedging is
// measured against: without it, the tail of the calls is the tail of the
// requests, and nothing is added to the load.
func TestSlowTailWithoutHedgingKeepsItsTail(t *testing.T) {
	t.Parallel()
	checkTailBaseline(t, cell(small(t, "slow-tail"), NoHedging), cell(small(t, "slow-tail-overload"), NoHedging))
}

func checkTailBaseline(t *testing.T, plain, overload Result) {
	t.Helper()
	fastest := time.Duration(float64(tail.Fast) * tail.SlowMin)
	for _, r := range []Result{plain, overload} {
		if r.ExtraLoad() != 0 || r.SuccessRate != 1 {
			t.Errorf("%s: extra load %v, success %v; want 0 and every request served", describe(r), r.ExtraLoad(), r.SuccessRate)
		}
		if r.P50 > tail.Fast+tail.Jitter || r.P99 < fastest || r.P999 < r.P99 {
			t.Errorf("%s: p50 %v, p99 %v, p99.9 %v; want p50 fast (at most %v), p99 slow (at least %v), p99.9 above", describe(r), r.P50, r.P99, r.P999, tail.Fast+tail.Jitter, fastest)
		}
	}
	if !overload.Recovered() || overload.Recovery > 2*time.Second {
		t.Errorf("%s; want recovery within 2s of the drop's end", describe(overload))
	}
}

// The targets of hedging (issue 16), on the slow tail: the p99 at least
// hedgeP99Cut times lower than without hedging, for at most
// hedgeExtraLoad more calls; under overload, a budget that holds the
// hedges' extra load to BudgetRatio, and hedging without a budget
// amplifying the load visibly, at least hedgeAmplifies more calls.
const (
	hedgeP99Cut    = 10
	hedgeExtraLoad = 0.05
	hedgeAmplifies = 0.5
)

func checkHedgingCutsTheTail(t *testing.T, none Result, hedged ...Result) {
	t.Helper()
	for _, r := range hedged {
		if r.P99*hedgeP99Cut > none.P99 || r.ExtraLoad() > hedgeExtraLoad || r.SuccessRate != 1 {
			t.Errorf("%s: p99 %v (%.1f× lower than %v without hedging), extra load %.2f%%, success %v; want at least %d× lower, at most %v%%, every request served",
				describe(r), r.P99, float64(none.P99)/float64(r.P99), none.P99, 100*r.ExtraLoad(), r.SuccessRate, hedgeP99Cut, 100*hedgeExtraLoad)
		}
	}
}

// checkHedgingUnderOverload checks the overload's targets. The budget's is
// not met (see TestSlowTailOverloadBudgetHoldsHedgesToItsRatio): it is
// checked apart.
func checkHedgingUnderOverload(t *testing.T, unbudgeted Result) {
	t.Helper()
	if unbudgeted.ExtraLoad() < hedgeAmplifies {
		t.Errorf("%s: extra load %.2f%%; want at least %v%%: hedging without a budget amplifies an overload", describe(unbudgeted), 100*unbudgeted.ExtraLoad(), 100*hedgeAmplifies)
	}
}

// checkHedgeBudget checks that the budget held the hedges' extra load under
// overload to BudgetRatio: a call that hedged earns nothing back from the
// Budget when it succeeds, so hedges are bounded by the ratio and the burst.
func checkHedgeBudget(t *testing.T, budgeted Result) {
	t.Helper()
	if budgeted.ExtraLoad() > BudgetRatio {
		t.Errorf("%s: extra load %.2f%%, p99 %v; want at most %v%%", describe(budgeted), 100*budgeted.ExtraLoad(), budgeted.P99, 100*BudgetRatio)
	}
}

// TestSlowTailHedgingCutsP99TenfoldForAtMost5PercentLoad checks the
// slow-tail target for the fixed delay and the adaptive one.
func TestSlowTailHedgingCutsP99TenfoldForAtMost5PercentLoad(t *testing.T) {
	t.Parallel()
	sc := small(t, "slow-tail")
	checkHedgingCutsTheTail(t, cell(sc, NoHedging), cell(sc, HedgingFixed), cell(sc, HedgingAdaptive))
}

// TestSlowTailOverloadHedgingWithoutBudgetAmplifies: under overload, the
// calls that queue take longer than the delay, each is hedged, and the
// hedges queue too.
func TestSlowTailOverloadHedgingWithoutBudgetAmplifies(t *testing.T) {
	t.Parallel()
	checkHedgingUnderOverload(t, cell(small(t, "slow-tail-overload"), HedgingFixed))
}

// TestSlowTailOverloadBudgetHoldsHedgesToItsRatio is the target of a
// budget under overload: at most BudgetRatio more calls.
func TestSlowTailOverloadBudgetHoldsHedgesToItsRatio(t *testing.T) {
	t.Parallel()
	checkHedgeBudget(t, cell(small(t, "slow-tail-overload"), HedgingBudget))
}
