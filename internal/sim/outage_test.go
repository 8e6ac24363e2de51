package sim

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/retry/breaker"
)

// The claims of the circuit breaker issue, on the outage and degraded
// scenarios: with a breaker, a dependency that is down gets at most 0.1
// calls per request offered during its outage (a budget alone lets 1.1
// through, naive retries 4), its probes are bounded, the goodput is back
// within twice the break after the dependency is, and a dependency that
// fails half of its calls loses no successes to the breaker.

// The bounds of the claims.
const (
	maxBreakerOutageLoad = 0.1  // calls per request offered during the outage
	minDegradedShare     = 0.95 // of the successes of the budget alone
)

// breakerDuration returns the BreakDuration that cfg resolves to.
func breakerDuration(cfg breaker.Config) time.Duration {
	if cfg.BreakDuration == 0 {
		return breaker.DefaultBreakDuration
	}
	return cfg.BreakDuration
}

func checkOutageLoads(t *testing.T, none, naive, budget Result) {
	t.Helper()
	if none.OutageLoad != 1 {
		t.Errorf("%s: %.4f calls per request during the outage; want exactly 1 without retries", describe(none), none.OutageLoad)
	}
	if naive.OutageLoad < 3.8 || naive.OutageLoad > 4.2 {
		t.Errorf("%s: %.4f calls per request during the outage; want about 4, its 4 attempts", describe(naive), naive.OutageLoad)
	}
	if budget.OutageLoad < 1 || budget.OutageLoad > 1.15 {
		t.Errorf("%s: %.4f calls per request during the outage; want about 1 + %v", describe(budget), budget.OutageLoad, BudgetRatio)
	}
}

// checkBreakerOutage checks the claims of the outage on r, a run of a
// policy with a breaker of cfg. strict also asks for the goodput to be
// back within twice cfg's BreakDuration, not only within twice the break
// that was running when the dependency came back.
func checkBreakerOutage(t *testing.T, r Result, cfg breaker.Config, strict bool) {
	t.Helper()
	if !r.Breaker || r.BreakerRejected == 0 || r.BreakerOpened == 0 {
		t.Fatalf("%s: breaker %v, %d refusals, opened %d times; want a breaker that opened and refused", describe(r), r.Breaker, r.BreakerRejected, r.BreakerOpened)
	}
	if r.OutageLoad > maxBreakerOutageLoad {
		t.Errorf("%s: %.4f calls per request during the outage; want at most %v", describe(r), r.OutageLoad, maxBreakerOutageLoad)
	}
	probes := max(cfg.HalfOpenProbes, 1)
	if r.MaxProbesInFlight > probes || r.Probes > r.BreakerOpened*probes {
		t.Errorf("%s: %d probes, %d at once, %d breaks; want at most %d at once and %d per break", describe(r), r.Probes, r.MaxProbesInFlight, r.BreakerOpened, probes, probes)
	}
	if !r.Recovered() || r.Recovery > 2*r.BreakAtEnd {
		t.Errorf("%s: the break running when the dependency came back was %v; want the goodput back within twice that", describe(r), r.BreakAtEnd)
	}
	if d := breakerDuration(cfg); strict && r.Recovery > 2*d {
		t.Errorf("%s; want the goodput back within twice the BreakDuration of %v", describe(r), d)
	}
}

func checkBreakerDegraded(t *testing.T, budget, brk Result) {
	t.Helper()
	if brk.SuccessRate < minDegradedShare*budget.SuccessRate {
		t.Errorf("%s, against %.2f%% with the budget alone; want at least %v of its successes", describe(brk), 100*budget.SuccessRate, minDegradedShare)
	}
}

func TestOutageLoadIsOneCallPerRequestWithoutRetriesFourNaiveAndOnePlusRatioWithABudget(t *testing.T) {
	t.Parallel()
	sc := small(t, "outage")
	checkOutageLoads(t, cell(sc, NoRetry), cell(sc, Naive), cell(sc, BudgetPolicy))
}

func TestOutageBreakerHoldsLoadUnderATenthBoundsProbesAndRecoversWithinTwiceTheBreak(t *testing.T) {
	t.Parallel()
	sc := small(t, "outage")
	checkBreakerOutage(t, cell(sc, BudgetBreakerPolicy), BreakerConfig, true)
	checkBreakerOutage(t, cell(sc, TunedBreakerPolicy), TunedBreakerConfig, true)
}

func TestDegradedTunedBreakerKeepsTheSuccessesOfTheBudgetAlone(t *testing.T) {
	t.Parallel()
	sc := small(t, "degraded")
	checkBreakerDegraded(t, cell(sc, BudgetPolicy), cell(sc, TunedBreakerPolicy))
}

// TestDegradedDefaultBreakerKeepsTheSuccessesOfTheBudgetAlone: with its
// defaults (a FailureRatio of 0.8, 20 failures in a row), a breaker does
// not open on a dependency that fails half of its calls at random. With
// 0.5 and 10, it did, again and again, and most calls gave up waiting for
// its probes: 5% of them succeeded, against 94% with the budget alone.
func TestDegradedDefaultBreakerKeepsTheSuccessesOfTheBudgetAlone(t *testing.T) {
	t.Parallel()
	sc := small(t, "degraded")
	checkBreakerDegraded(t, cell(sc, BudgetPolicy), cell(sc, BudgetBreakerPolicy))
}

// TestBreakerRunsOnTheVirtualClock checks that the breaker reads the
// run's clock: a run takes a few milliseconds of real time, in which a
// breaker on the real clock would never end its first 5 s break.
func TestBreakerRunsOnTheVirtualClock(t *testing.T) {
	t.Parallel()
	r := cell(small(t, "outage"), BudgetBreakerPolicy)
	if r.BreakerOpened < 2 || r.Probes < 2 || r.BreakAtEnd <= breakerDuration(BreakerConfig) {
		t.Errorf("%s: opened %d times, %d probes, last break %v; want breaks that end, and grow, in virtual time", describe(r), r.BreakerOpened, r.Probes, r.BreakAtEnd)
	}
}

func TestBreakerColumnsAreEmptyWhereTheyDoNotApply(t *testing.T) {
	t.Parallel()
	results := []Result{
		cell(small(t, "outage"), BudgetPolicy),
		cell(small(t, "outage"), BudgetBreakerPolicy),
		cell(small(t, "degraded"), TunedBreakerPolicy),
	}
	out, _ := outputs(t, results)
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("reading the CSV: %v\n%s", err, out)
	}
	rej, load := slices.Index(rows[0], "breaker_rejected"), slices.Index(rows[0], "downstream_load_during_outage")
	if rej < 0 || load < 0 {
		t.Fatalf("header %q lacks breaker_rejected or downstream_load_during_outage", rows[0])
	}
	for i, want := range [][2]bool{{false, true}, {true, true}, {true, false}} { // rejected set, load set
		row := rows[i+1]
		if (row[rej] != "") != want[0] || (row[load] != "") != want[1] {
			t.Errorf("%s under %s: breaker_rejected %q, downstream_load_during_outage %q; want set: %v, %v", row[0], row[1], row[rej], row[load], want[0], want[1])
		}
	}
}

// TestBreakerRunsAreTheSameForTheSameSeed checks that a breaker keeps a
// run deterministic: its time is the run's, its spread drawn from the
// run's seed. The runs are afresh, at a fifth of the load, to be cheap.
func TestBreakerRunsAreTheSameForTheSameSeed(t *testing.T) {
	t.Parallel()
	var runs [2][]Result
	for i := range runs {
		for _, name := range []string{"outage", "degraded"} {
			sc := small(t, name)
			sc.Rate /= 5
			runs[i] = append(runs[i], Run(sc, BudgetBreakerPolicy, 7))
		}
	}
	csv1, svg1 := outputs(t, runs[0])
	csv2, svg2 := outputs(t, runs[1])
	if !bytes.Equal(csv1, csv2) || !bytes.Equal(svg1, svg2) {
		t.Errorf("two runs with seed 7 gave different outputs:\n%s\n%s", csv1, csv2)
	}
	for i, r := range runs[0] {
		s := runs[1][i]
		if r.BreakerOpened != s.BreakerOpened || r.Probes != s.Probes || r.BreakAtEnd != s.BreakAtEnd {
			t.Errorf("%s: opened %d and %d times, %d and %d probes, last break %v and %v; want the same", r.Scenario.Name, r.BreakerOpened, s.BreakerOpened, r.Probes, s.Probes, r.BreakAtEnd, s.BreakAtEnd)
		}
	}
}
