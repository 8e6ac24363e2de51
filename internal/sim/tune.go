package sim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// A Tuning changes scenarios of the grid, as the flags of cmd/sim do. Its
// zero value changes nothing; each field that is set changes what it names
// in every scenario it fits.
type Tuning struct {
	// Load sets the offered load, in requests per second of all clients
	// together (Scenario.Rate); 0 keeps the scenario's. It fits a scenario
	// whose clients make requests at random, not one whose clients each
	// make one (Once).
	Load float64

	// Fail sets the probability that a call fails (a 503), if FailSet: a
	// Flaky's P, or a Server's, for the requests it serves. It does not fit
	// the contention scenario, nor the slow-tail ones, whose calls are slow
	// rather than failing.
	Fail    float64
	FailSet bool

	// Clients sets the number of clients; 0 keeps the scenario's.
	Clients int

	// BudgetRatio and BudgetBurst set the budget of the policies that have
	// one ("budget", "budget-every-layer", "budget+breaker",
	// "breaker-tuned"); 0 keeps BudgetRatio and BudgetBurst, unless
	// RatioSet for a ratio of 0. PerClient gives each client budgets of
	// its own, rather than one shared by every client; the breakers stay
	// shared.
	BudgetRatio float64
	RatioSet    bool
	BudgetBurst int
	PerClient   bool
}

// misfit returns the flag, as cmd/sim names it, of a setting of tu that does
// not fit sc, or "".
func (tu Tuning) misfit(sc Scenario) string {
	_, contended := sc.Model.(Contended)
	_, tail := sc.Model.(SlowTail)
	switch {
	case tu.Load != 0 && sc.Once:
		return "-load"
	case tu.FailSet && (contended || tail):
		return "-fail"
	}
	return ""
}

// Apply returns sc changed by tu, or an error, naming the flag of cmd/sim
// and the scenario, if a setting of tu does not fit sc.
func (tu Tuning) Apply(sc Scenario) (Scenario, error) {
	if flag := tu.misfit(sc); flag != "" {
		return sc, fmt.Errorf("sim: %s does not apply to scenario %s (%s)", flag, sc.Name, sc.Doc)
	}
	if tu.Load != 0 {
		sc.Rate = tu.Load
	}
	if tu.Clients != 0 {
		sc.Clients = tu.Clients
	}
	if tu.FailSet {
		switch m := sc.Model.(type) {
		case Flaky:
			m.P = tu.Fail
			sc.Model = m
		case Server:
			m.P = tu.Fail
			sc.Model = m
		}
	}
	ratio, burst := BudgetRatio, BudgetBurst
	if tu.BudgetRatio != 0 || tu.RatioSet {
		ratio = tu.BudgetRatio
	}
	if tu.BudgetBurst != 0 {
		burst = tu.BudgetBurst
	}
	if ratio != BudgetRatio || burst != BudgetBurst || tu.PerClient {
		sc.Policies = slices.Clone(sc.Policies)
		for i, p := range sc.Policies {
			switch p.Name {
			case BudgetPolicy.Name:
				sc.Policies[i] = budgetPolicy(ratio, burst, tu.PerClient)
			case BudgetEveryLayer.Name:
				sc.Policies[i] = budgetEveryLayer(ratio, burst, tu.PerClient)
			case BudgetBreakerPolicy.Name, TunedBreakerPolicy.Name:
				sc.Policies[i] = budgetBreakerPolicy(p.Name, p.Breaker, ratio, burst, tu.PerClient)
			}
		}
	}
	if tu != (Tuning{}) {
		sc.Doc += " [" + tu.String() + "]"
	}
	return sc, nil
}

// String returns the settings of tu as the flags of cmd/sim that make
// them, such as "-load=300 -fail=0.2".
func (tu Tuning) String() string {
	var s []string
	if tu.Load != 0 {
		s = append(s, "-load="+g(tu.Load))
	}
	if tu.FailSet {
		s = append(s, "-fail="+g(tu.Fail))
	}
	if tu.Clients != 0 {
		s = append(s, fmt.Sprintf("-clients=%d", tu.Clients))
	}
	if tu.BudgetRatio != 0 || tu.RatioSet {
		s = append(s, "-budget-ratio="+g(tu.BudgetRatio))
	}
	if tu.BudgetBurst != 0 {
		s = append(s, fmt.Sprintf("-budget-burst=%d", tu.BudgetBurst))
	}
	if tu.PerClient {
		s = append(s, "-budget=per-client")
	}
	return strings.Join(s, " ")
}

// validProbability reports whether p is a probability.
func validProbability(p float64) bool { return p >= 0 && p <= 1 && !math.IsNaN(p) }

// g formats v as briefly as it can be read back.
func g(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
