package sim

import (
	"math"
	"strconv"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/hook"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// A Policy is how the clients of a run retry: the options of retry.Do at
// each layer. The simulator adds its clock and its seeded source of
// randomness in front of them.
type Policy struct {
	Name string // short, for the CSV and the chart's legend
	Doc  string // one line, for the table

	// Layer returns the options of layer i, 0 being the outermost. It is
	// called once per layer at the start of each run, so that a Budget it
	// makes is shared by every call of that layer in that run, and by
	// nothing else; or, with PerClient, once per layer and client, so that
	// each client has a Budget of its own.
	Layer func(i int) []retry.Option

	PerClient bool

	// Hedge, if not nil, makes the layer that calls the downstream a call
	// of retry.DoHedged rather than retry.Run, with the options it returns
	// after Layer's: it is called with the run's Scheduler, for a Latency
	// on its clock, when Layer is (see hedging.go).
	Hedge func(s *Scheduler) []retry.Option

	// Breaker, if not nil, gives the layer that calls the downstream a
	// retry.Breaker made from it at the start of each run, on the run's
	// clock, shared by every client (see outage.go).
	Breaker *breaker.Config
}

// The ratio and burst of the budget of BudgetPolicy: those of the default
// budget per host of retryhttp and per target of retrygrpc, which a test in
// internal/chaos checks against a real server.
const (
	BudgetRatio = 0.1
	BudgetBurst = 10
)

// NoRetry makes one attempt per call.
var NoRetry = Policy{
	Name:  "none",
	Doc:   "one attempt, no retry",
	Layer: func(int) []retry.Option { return []retry.Option{retry.MaxAttempts(1)} },
}

// Naive is what a hand-rolled retry does at every layer: 3 retries (4
// attempts) with exponential backoff from 100ms without jitter, retrying
// every error, an inner layer's failure included, ignoring the server's
// Retry-After, with no deadline and no budget. Its loops do not tell the
// loop around them that they gave up, as reflexio's do.
var Naive = Policy{
	Name: "naive",
	Doc:  "4 attempts, exponential backoff without jitter, retries everything, ignores Retry-After",
	Layer: func(int) []retry.Option {
		return []retry.Option{
			retry.MaxAttempts(4),
			retry.Backoff(backoff.Exponential(100*time.Millisecond, 10*time.Second)),
			retry.Classifier(retryEverything),
			retry.MaxUnknownAttempts(math.MaxInt),
			retry.NoDeadline(),
			retry.MaxRetryAfter(time.Nanosecond), // no way to say "ignore hints"; this comes closest
			hook.Unlayered().(retry.Option),
		}
	},
}

// retryEverything classifies every error as Transient, a *retry.Error of an
// inner layer included.
var retryEverything = classify.Func(func(error) classify.Class { return classify.Transient })

// Defaults is retry.Do with no options at all.
var Defaults = Policy{
	Name:  "defaults",
	Doc:   "retry.Do without options",
	Layer: func(int) []retry.Option { return nil },
}

// BudgetPolicy is the defaults with a retry.NewBudget(BudgetRatio,
// BudgetBurst) per layer, shared by every call of that layer.
var BudgetPolicy = budgetPolicy(BudgetRatio, BudgetBurst, false)

// budgetPolicy is BudgetPolicy with a Budget(ratio, burst) per layer,
// shared by every client or, with perClient, one per client.
func budgetPolicy(ratio float64, burst int, perClient bool) Policy {
	return Policy{
		Name: "budget",
		Doc:  "retry.Do with a Budget(" + g(ratio) + ", " + strconv.Itoa(burst) + ") " + sharedBy(perClient) + ", one per layer",
		Layer: func(int) []retry.Option {
			return []retry.Option{retry.NewBudget(ratio, burst)}
		},
		PerClient: perClient,
	}
}

func sharedBy(perClient bool) string {
	if perClient {
		return "per client"
	}
	return "shared by all clients"
}

// Policies are the four policies every scenario but the contention one
// compares.
var Policies = []Policy{NoRetry, Naive, Defaults, BudgetPolicy}

// NoHedging is retry.Do without options, which retries failures and never
// hedges: a slow call is waited for however slow it is. The slow-tail
// scenarios measure hedging against it.
var NoHedging = Policy{
	Name:  "no-hedging",
	Doc:   "retry.Do without options: a slow call is waited for",
	Layer: func(int) []retry.Option { return nil },
}

// BudgetEveryLayer retries at every layer, as Naive does, inner layers'
// failures included, but with the default strategy, deadline and caps and
// a Budget(BudgetRatio, BudgetBurst) per layer. It shows what budgets alone
// do for nested retries: each layer multiplies the load by at most 1 + ratio.
var BudgetEveryLayer = budgetEveryLayer(BudgetRatio, BudgetBurst, false)

// budgetEveryLayer is BudgetEveryLayer with a Budget(ratio, burst) per
// layer, shared by every client or, with perClient, one per client.
func budgetEveryLayer(ratio float64, burst int, perClient bool) Policy {
	return Policy{
		Name: "budget-every-layer",
		Doc:  "a Budget(" + g(ratio) + ", " + strconv.Itoa(burst) + ") per layer " + sharedBy(perClient) + ", each layer retrying the failures of the one below",
		Layer: func(int) []retry.Option {
			return []retry.Option{
				retry.Classifier(retryEverything),
				retry.NewBudget(ratio, burst),
			}
		},
		PerClient: perClient,
	}
}

// ThreeAttempts is retry.Do with MaxAttempts(3) and otherwise the defaults:
// with nested layers only the innermost retries, since an inner *retry.Error
// is Permanent to the outer ones.
var ThreeAttempts = Policy{
	Name:  "attempts-3",
	Doc:   "retry.Do with MaxAttempts(3)",
	Layer: func(int) []retry.Option { return []retry.Option{retry.MaxAttempts(3)} },
}

// contentionPolicy retries until the write succeeds, with strategy s and
// no deadline, as the clients of the AWS study do.
func contentionPolicy(name, doc string, s backoff.Strategy) Policy {
	return Policy{
		Name: name,
		Doc:  doc,
		Layer: func(int) []retry.Option {
			return []retry.Option{
				retry.MaxAttempts(math.MaxInt),
				retry.NoDeadline(),
				retry.Backoff(s),
			}
		},
	}
}

// The backoff bounds of the contention policies.
const (
	contentionBase = 10 * time.Millisecond
	contentionCap  = time.Second
)

// ContentionPolicies are the strategies the contention scenario compares,
// each retrying until its write succeeds.
var ContentionPolicies = []Policy{
	contentionPolicy("exponential", "backoff.Exponential(10ms, 1s): no jitter", backoff.Exponential(contentionBase, contentionCap)),
	contentionPolicy("full-jitter", "backoff.FullJitter(10ms, 1s)", backoff.FullJitter(contentionBase, contentionCap)),
	contentionPolicy("equal-jitter", "backoff.EqualJitter(10ms, 1s)", backoff.EqualJitter(contentionBase, contentionCap)),
	contentionPolicy("decorrelated", "backoff.DecorrelatedJitter(10ms, 1s), the default family", backoff.DecorrelatedJitter(contentionBase, contentionCap)),
}
