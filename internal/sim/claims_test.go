package sim

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The claims of the storm-safety issue, each pinned by a test on the small
// grid, fast enough for every run of the tests. -sim.full checks them all
// again on the full grid that cmd/sim runs.

var (
	full   = flag.Bool("sim.full", false, "also check every claim on the full grid of cmd/sim, and its output against testdata (about 25s; 2 min under -race)")
	update = flag.Bool("sim.update", false, "with -sim.full, rewrite the full grid's output in testdata")
)

// runs caches the runs of the tests: a run is a pure function of its
// scenario, policy and seed, so tests that need the same one share it.
var runs sync.Map // cellKey → func() Result

type cellKey struct {
	scenario, policy string
	rate             float64
	seed             uint64
}

// cell runs scenario sc under pol with seed 1, once for all tests.
func cell(sc Scenario, pol Policy) Result { return seeded(sc, pol, 1) }

// seeded runs scenario sc under pol with seed, once for all tests.
func seeded(sc Scenario, pol Policy, seed uint64) Result {
	key := cellKey{sc.Name, pol.Name, sc.Rate, seed}
	f, _ := runs.LoadOrStore(key, sync.OnceValue(func() Result { return Run(sc, pol, seed) }))
	return f.(func() Result)()
}

// small returns the scenario of the small grid called name.
func small(t *testing.T, name string) Scenario {
	t.Helper()
	for _, sc := range Grid(false) {
		if sc.Name == name {
			return sc
		}
	}
	t.Fatalf("no scenario %q", name)
	return Scenario{}
}

// find returns the result of policy in scenario among results.
func find(t *testing.T, results []Result, scenario, policy string) Result {
	t.Helper()
	for _, r := range results {
		if r.Scenario.Name == scenario && r.Policy == policy {
			return r
		}
	}
	t.Fatalf("no result for %s under %s", scenario, policy)
	return Result{}
}

// steadyBound returns the most calls per request that budgets of
// BudgetRatio at each of layers layers allow over the steady window of r:
// (1 + ratio) per layer, plus the reserve of up to BudgetBurst retries each
// budget may hold when the window starts (the Budget's own bound over an
// interval), multiplied by the layers below it.
func steadyBound(r Result, layers int) float64 {
	reserve := 0.0
	for k := range layers {
		reserve += BudgetBurst * math.Pow(1+BudgetRatio, float64(k))
	}
	return math.Pow(1+BudgetRatio, float64(layers)) + reserve/float64(r.steadyRequests)
}

// describe formats the figures of a result for a failure message.
func describe(r Result) string {
	return fmt.Sprintf("%s under %s: %.4f calls/request (steady %.4f over %d requests), success %.2f%%, recovery %s",
		r.Scenario.Name, r.Policy, r.Amplification, r.Steady, r.steadyRequests, 100*r.SuccessRate, orDash(recovery(r, "s")))
}

// The claims, on results of either grid.

func checkBudgetBoundWhenDown(t *testing.T, budget, naive Result) {
	t.Helper()
	if bound := steadyBound(budget, 1); budget.Steady > bound {
		t.Errorf("%s; want steady amplification at most 1 + %v (+ reserve: %.4f)", describe(budget), BudgetRatio, bound)
	}
	// Over the whole run, beyond the reserve the budget starts with: at
	// most 1.1 calls per request, the storm figure of the README.
	if a := float64(budget.Calls-BudgetBurst) / float64(budget.Requests); a > 1+BudgetRatio {
		t.Errorf("%s: %.4f calls per request beyond the first %d retries; want at most %v", describe(budget), a, BudgetBurst, 1+BudgetRatio)
	}
	if naive.Amplification != 4 {
		t.Errorf("%s; want exactly 4 calls/request", describe(naive))
	}
}

func checkNestedBudgets(t *testing.T, r Result) {
	t.Helper()
	if bound := steadyBound(r, 3); r.Steady > bound {
		t.Errorf("%s; want steady amplification at most (1 + %v)^3 (+ reserves: %.4f)", describe(r), BudgetRatio, bound)
	}
}

func checkNestedOneLayer(t *testing.T, attempts3, defaults, naive Result) {
	t.Helper()
	for _, c := range []struct {
		r    Result
		want float64
	}{{attempts3, 3}, {defaults, 6}, {naive, 64}} {
		if c.r.Amplification != c.want {
			t.Errorf("%s; want exactly %v calls/request", describe(c.r), c.want)
		}
	}
}

func checkCapacityRecovery(t *testing.T, budget, naive Result) {
	t.Helper()
	if !budget.Recovered() || budget.Recovery > 10*time.Second {
		t.Errorf("%s; want recovery within 10s", describe(budget))
	}
	if naive.Recovered() {
		t.Errorf("%s; want no recovery within the run", describe(naive))
	}
}

// The range of the calls of full jitter over those of exponential backoff
// without jitter that the contention scenario must show. The AWS study
// "Exponential Backoff And Jitter" reports about 0.43; without the
// network's jitter the simulator showed 0.15, every unjittered client
// colliding exactly each time.
const (
	contentionRatioMin = 0.3
	contentionRatioMax = 0.5
)

func checkContention(t *testing.T, fullJitter, exponential Result) {
	t.Helper()
	ratio := float64(fullJitter.Calls) / float64(exponential.Calls)
	if ratio < contentionRatioMin || ratio > contentionRatioMax {
		t.Errorf("full jitter made %d calls, exponential %d: %.3f of them; want %v to %v", fullJitter.Calls, exponential.Calls, ratio, contentionRatioMin, contentionRatioMax)
	}
	if fullJitter.SuccessRate != 1 || exponential.SuccessRate != 1 {
		t.Errorf("success: full jitter %v, exponential %v; want every write done", fullJitter.SuccessRate, exponential.SuccessRate)
	}
}

func checkPushbackHonoured(t *testing.T, results ...Result) {
	t.Helper()
	for _, r := range results {
		hint := r.Scenario.Model.(Server).RetryAfter
		switch honours := r.Policy != Naive.Name; {
		case r.PushbackWait < 0:
			t.Errorf("%s: no call followed a rejection; the scenario does not exercise pushback", r.Policy)
		case honours && r.PushbackWait < hint:
			t.Errorf("%s: a call followed a 429 after %v; want at least its Retry-After of %v", r.Policy, r.PushbackWait, hint)
		case !honours && r.PushbackWait >= hint:
			t.Errorf("%s: the shortest wait after a 429 was %v; want less than %v, the hint being ignored", r.Policy, r.PushbackWait, hint)
		}
	}
}

func TestBudgetHoldsAmplificationAtOnePlusRatioWhenDownstreamIsDown(t *testing.T) {
	t.Parallel()
	sc := small(t, "down")
	checkBudgetBoundWhenDown(t, cell(sc, BudgetPolicy), cell(sc, Naive))
}

func TestNestedLayersWithBudgetsStayWithinCubeOfOnePlusRatio(t *testing.T) {
	t.Parallel()
	sc := small(t, "nested")
	sc.Rate = 100 // cheap calls: more requests make the bound tighter
	checkNestedBudgets(t, cell(sc, BudgetEveryLayer))
}

func TestNestedLayersRetryAtOneLayerOnly(t *testing.T) {
	t.Parallel()
	sc := small(t, "nested")
	checkNestedOneLayer(t, cell(sc, ThreeAttempts), cell(sc, Defaults), cell(sc, Naive))
}

// The layers of the nested-http scenario get the failure below them as a
// response, and make an error of their own of it: no *retry.Error reaches
// them, and only the word the attempts' context carries keeps the retries
// at one layer.
func TestNestedLayersOverResponsesRetryAtOneLayerOnly(t *testing.T) {
	t.Parallel()
	sc := small(t, "nested-http")
	checkNestedOneLayer(t, cell(sc, ThreeAttempts), cell(sc, Defaults), cell(sc, Naive))
}

func TestCapacityDropBudgetRecoversWithin10sAndNaiveNever(t *testing.T) {
	t.Parallel()
	sc := small(t, "capacity")
	checkCapacityRecovery(t, cell(sc, BudgetPolicy), cell(sc, Naive))
}

// TestCapacityDropWithoutABudgetNeverRecovers pins why a Budget shared per
// dependency matters: retry.Do without options, which has no budget (a
// default one would be state shared by unrelated calls and tests), keeps
// retrying every timed-out request, and the offered load stays above the
// halved capacity for the rest of the run. The budget's recovery is pinned
// by TestCapacityDropBudgetRecoversWithin10sAndNaiveNever.
func TestCapacityDropWithoutABudgetNeverRecovers(t *testing.T) {
	t.Parallel()
	r := cell(small(t, "capacity"), Defaults)
	if r.Recovered() {
		t.Errorf("%s; want no recovery without a budget (if the defaults changed, update this test and the README)", describe(r))
	}
}

func TestContentionFullJitterMakesAbout043TheCallsOfExponential(t *testing.T) {
	t.Parallel()
	sc := small(t, "contention")
	checkContention(t, cell(sc, ContentionPolicies[1]), cell(sc, ContentionPolicies[0]))
}

func TestPushbackRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	sc := small(t, "pushback")
	checkPushbackHonoured(t, cell(sc, Naive), cell(sc, Defaults))
}

// TestFullGrid checks every claim on the full grid, with -sim.full, and
// that its CSV and its chart are, to the byte, those in testdata: what
// cmd/sim prints with its default seed.
func TestFullGrid(t *testing.T) {
	if !*full {
		t.Skip("the full grid runs with -sim.full")
	}
	grid := Grid(true)
	var results []Result
	if raceEnabled { // one cell at a time, to stay under the race detector's goroutine limit
		for _, sc := range grid {
			for _, pol := range sc.Policies {
				results = append(results, Run(sc, pol, 1))
			}
		}
	} else {
		results = RunGrid(grid, 1)
	}
	var table strings.Builder
	WriteTable(&table, results)
	t.Logf("the full grid:\n%s", table.String())

	// The circuit breaker's (outage_test.go).
	checkOutageLoads(t, find(t, results, "outage", "none"), find(t, results, "outage", "naive"), find(t, results, "outage", "budget"))
	checkBreakerOutage(t, find(t, results, "outage", BudgetBreakerPolicy.Name), BreakerConfig, true)
	checkBreakerOutage(t, find(t, results, "outage", TunedBreakerPolicy.Name), TunedBreakerConfig, true)
	checkBreakerDegraded(t, find(t, results, "degraded", "budget"), find(t, results, "degraded", BudgetBreakerPolicy.Name))
	checkBreakerDegraded(t, find(t, results, "degraded", "budget"), find(t, results, "degraded", TunedBreakerPolicy.Name))

	checkBudgetBoundWhenDown(t, find(t, results, "down", "budget"), find(t, results, "down", "naive"))
	checkNestedBudgets(t, find(t, results, "nested", "budget-every-layer"))
	checkNestedOneLayer(t, find(t, results, "nested", "attempts-3"), find(t, results, "nested", "defaults"), find(t, results, "nested", "naive"))
	checkCapacityRecovery(t, find(t, results, "capacity", "budget"), find(t, results, "capacity", "naive"))
	checkContention(t, find(t, results, "contention", "full-jitter"), find(t, results, "contention", "exponential"))
	checkPushbackHonoured(t, find(t, results, "pushback", "naive"), find(t, results, "pushback", "defaults"))
	checkTailBaseline(t, find(t, results, "slow-tail", "no-hedging"), find(t, results, "slow-tail-overload", "no-hedging"))
	checkHedgingCutsTheTail(t, find(t, results, "slow-tail", "no-hedging"), find(t, results, "slow-tail", HedgingFixed.Name), find(t, results, "slow-tail", HedgingAdaptive.Name))
	checkHedgingUnderOverload(t, find(t, results, "slow-tail-overload", HedgingFixed.Name))
	checkHedgeBudget(t, find(t, results, "slow-tail-overload", HedgingBudget.Name))
	if r := find(t, results, "capacity", "defaults"); !r.Recovered() || r.Recovery > 10*time.Second {
		t.Logf("claim not met by the current defaults: %s", describe(r))
	}

	csv, svg := outputs(t, results)
	golden(t, "sim.csv", csv)
	golden(t, "sim.svg", svg)

	// The charts of the README: the goodput through the capacity drop,
	// and the amplification of every policy as the failures grow.
	var capacity []Result
	for _, r := range results {
		if r.Scenario.Name == "capacity" {
			capacity = append(capacity, r)
		}
	}
	var recovery bytes.Buffer
	if err := WriteRecoverySVG(&recovery, capacity); err != nil {
		t.Fatal(err)
	}
	golden(t, "recovery.svg", recovery.Bytes())

	// The chart of the circuit breaker: the outage and the degradation.
	var outages []Result
	for _, r := range results {
		if r.Scenario.Name == "outage" || r.Scenario.Name == "degraded" {
			outages = append(outages, r)
		}
	}
	var brk bytes.Buffer
	if err := WriteBreakerSVG(&brk, outages); err != nil {
		t.Fatal(err)
	}
	golden(t, "breaker.svg", brk.Bytes())

	// The chart of hedging: the slow tail's latency and extra load.
	var hedging bytes.Buffer
	if err := WriteHedgingSVG(&hedging, results); err != nil {
		t.Fatal(err)
	}
	golden(t, "hedging.svg", hedging.Bytes())

	points := headlineSweep(t)
	var sweepCSV, sweepSVG bytes.Buffer
	if err := WriteSweepCSV(&sweepCSV, points); err != nil {
		t.Fatal(err)
	}
	if err := WriteSweepSVG(&sweepSVG, points); err != nil {
		t.Fatal(err)
	}
	golden(t, "amplification.csv", sweepCSV.Bytes())
	golden(t, "amplification.svg", sweepSVG.Bytes())
}

// headlineSweep runs the sweep of the README's chart of amplification: the
// flaky scenario of the full grid, as cmd/sim -scenario=flaky
// -sweep=fail=0:1:0.1 does.
func headlineSweep(t *testing.T) []Point {
	t.Helper()
	sw, err := ParseSweep("fail=0:1:0.1")
	if err != nil {
		t.Fatal(err)
	}
	var flaky Scenario
	for _, sc := range Grid(true) {
		if sc.Name == "flaky" {
			flaky = sc
		}
	}
	if !raceEnabled {
		points, err := RunSweep(flaky, Tuning{}, sw, 1)
		if err != nil {
			t.Fatal(err)
		}
		return points
	}
	scenarios, points, err := sweepPoints(flaky, Tuning{}, sw)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, sc := range scenarios { // one cell at a time, as above
		for _, pol := range sc.Policies {
			points[i].Result = Run(sc, pol, 1)
			i++
		}
	}
	return points
}

// golden checks that got is the content of testdata/name, or with
// -sim.update writes it there.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("the full grid's %s differs from %s; if the change is intended, run with -sim.update", name, path)
	}
}
