package sim

import (
	"fmt"
	"testing"
)

// TestBudgetKeepsSuccessesUnderRandomFaults is the simulator's version of
// the measurement against a real server in internal/chaos: a dependency
// that fails 20%, 30% or 40% of calls at random, with no outage and no
// overload, under ten clients sharing the default budget, Budget(0.1, 10).
// Since each call that succeeds earns a retry, the budget must keep at
// least 95% of the successes that retry.Do has without a budget; a budget
// earned by calls alone kept 84% at 40%.
func TestBudgetKeepsSuccessesUnderRandomFaults(t *testing.T) {
	t.Parallel()
	for _, p := range []float64{0.2, 0.3, 0.4} {
		sc := small(t, "flaky")
		sc.Name = fmt.Sprintf("flaky-%v", p)
		sc.Model = Flaky{P: p, Latency: sc.Model.(Flaky).Latency}
		budget, none := cell(sc, BudgetPolicy), cell(sc, Defaults)
		t.Logf("%.0f%% of calls failing: %.2f%% of %d requests succeed with the budget (%.4f calls/request), %.2f%% with none (%.4f calls/request)",
			100*p, 100*budget.SuccessRate, budget.Requests, budget.Amplification, 100*none.SuccessRate, none.Amplification)
		if budget.SuccessRate < 0.95*none.SuccessRate {
			t.Errorf("%s; want at least 95%% of the successes of %s", describe(budget), describe(none))
		}
	}
}
