package sim

import (
	"time"

	"github.com/reflexio-go/reflexio/retry"
)

// The hedging policies of the slow-tail scenarios. Each runs the layer
// that calls the downstream with retry.DoHedged, the real hedged loop, on
// the run's Scheduler (a hook.Runner): its hedges are processes, its delay
// an event, and the cancel of a loser's context wakes it where it waits
// for the downstream. With at most 2 attempts in flight, a call sends one
// hedge at most, unless an attempt fails, which the slow tail never does.

// HedgeDelay is the delay of HedgingFixed and HedgingBudget: the slowest
// of the fast calls of the slow tail (its Fast plus its Jitter), fixed by
// the model, not by a run. Hedging after it sends a hedge for about the
// 2% of calls that are slow, and for none of the others.
const HedgeDelay = 12 * time.Millisecond

// HedgingFixed is retry.DoHedged with Hedge(HedgeDelay, 2) and no budget:
// the call sends a second attempt once the first has taken HedgeDelay,
// and takes the first to answer.
var HedgingFixed = Policy{
	Name:  "hedging-fixed",
	Doc:   "retry.DoHedged with Hedge(12ms, 2): a second attempt after the fast calls' slowest, no budget",
	Layer: func(int) []retry.Option { return nil },
	Hedge: func(*Scheduler) []retry.Option { return []retry.Option{retry.Hedge(HedgeDelay, 2)} },
}

// HedgingAdaptive is retry.DoHedged with HedgeAdaptive(l, 2), l a
// retry.Latency of the default LatencyConfig (the 95th percentile of the
// last 10 s, once 20 attempts are measured, 1 s until then) on the run's
// clock, shared by every client: a delay that follows the downstream.
var HedgingAdaptive = Policy{
	Name:  "hedging-adaptive",
	Doc:   "retry.DoHedged with HedgeAdaptive(Latency, 2): a second attempt after the p95 of the last 10 s of attempts",
	Layer: func(int) []retry.Option { return nil },
	Hedge: func(s *Scheduler) []retry.Option {
		return []retry.Option{retry.HedgeAdaptive(s.Latency(retry.LatencyConfig{}), 2)}
	},
}

// HedgingBudget is HedgingFixed with a retry.NewBudget(BudgetRatio,
// BudgetBurst) shared by every client, as BudgetPolicy: each hedge spends
// from it as a retry does, and none starts once it is spent.
var HedgingBudget = Policy{
	Name:  "hedging-budget",
	Doc:   "retry.DoHedged with Hedge(12ms, 2) and a Budget(0.1, 10) shared by all clients",
	Layer: func(int) []retry.Option { return []retry.Option{retry.NewBudget(BudgetRatio, BudgetBurst)} },
	Hedge: func(*Scheduler) []retry.Option { return []retry.Option{retry.Hedge(HedgeDelay, 2)} },
}

// TailPolicies are the policies the slow-tail scenario compares.
var TailPolicies = []Policy{NoHedging, HedgingFixed, HedgingAdaptive}

// OverloadPolicies are the policies the slow-tail-overload scenario
// compares: hedging with the budget and without it.
var OverloadPolicies = []Policy{NoHedging, HedgingFixed, HedgingAdaptive, HedgingBudget}
