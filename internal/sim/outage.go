package sim

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reflexio-go/reflexio/internal/hook"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// The outage and degraded scenarios compare policies with a circuit
// breaker and without. Their runs are longer than the others, so that the
// goodput after a 20 s outage can be seen coming back.
const (
	outageFrom     = 10 * time.Second
	outageLength   = 20 * time.Second
	outageDuration = 70 * time.Second
)

// BreakerConfig is the circuit breaker of BudgetBreakerPolicy: the
// defaults of breaker.Config.
var BreakerConfig = breaker.Config{Name: "downstream"}

// TunedBreakerConfig is the circuit breaker of TunedBreakerPolicy: the
// defaults, but with breaks that do not grow beyond 5s, which bound the
// wait for a probe after the dependency comes back. Its failure ratio of
// 0.8 and 20 failures in a row are the defaults now; they were 0.5 and 10,
// with which the breaker opened again and again on a dependency that fails
// half of its calls (20 in a row come about once in 2^21 calls at 50%
// failures, 10 every few seconds at 200 calls a second).
var TunedBreakerConfig = breaker.Config{
	Name:                "downstream",
	FailureRatio:        0.8,
	ConsecutiveFailures: 20,
	MaxBreakDuration:    5 * time.Second,
}

// BudgetBreakerPolicy is BudgetPolicy with a circuit breaker of the
// default configuration (BreakerConfig), one per run shared by every
// client, on the layer that calls the downstream.
var BudgetBreakerPolicy = budgetBreakerPolicy("budget+breaker", &BreakerConfig, BudgetRatio, BudgetBurst, false)

// TunedBreakerPolicy is BudgetBreakerPolicy with TunedBreakerConfig.
var TunedBreakerPolicy = budgetBreakerPolicy("breaker-tuned", &TunedBreakerConfig, BudgetRatio, BudgetBurst, false)

// budgetBreakerPolicy is budgetPolicy(ratio, burst, perClient), named
// name, with a breaker of cfg shared by every client.
func budgetBreakerPolicy(name string, cfg *breaker.Config, ratio float64, burst int, perClient bool) Policy {
	p := budgetPolicy(ratio, burst, perClient)
	p.Name = name
	p.Doc = "retry.Do with a Budget(" + g(ratio) + ", " + strconv.Itoa(burst) + ") " + sharedBy(perClient) +
		" and a breaker.New(" + configDoc(*cfg) + ") shared by all clients"
	p.Breaker = cfg
	return p
}

// configDoc describes the settings of cfg that the breaker policies set.
func configDoc(cfg breaker.Config) string {
	var set []string
	if cfg.FailureRatio != 0 {
		set = append(set, "FailureRatio: "+g(cfg.FailureRatio))
	}
	if cfg.ConsecutiveFailures != 0 {
		set = append(set, "ConsecutiveFailures: "+strconv.Itoa(cfg.ConsecutiveFailures))
	}
	if cfg.MaxBreakDuration != 0 {
		set = append(set, "MaxBreakDuration: "+cfg.MaxBreakDuration.String())
	}
	return "breaker.Config{" + strings.Join(set, ", ") + "}"
}

// BreakerPolicies are the policies the outage and degraded scenarios
// compare: those of every scenario, and the budget with a circuit breaker,
// of the default configuration and tuned.
var BreakerPolicies = append(Policies[:len(Policies):len(Policies)], BudgetBreakerPolicy, TunedBreakerPolicy)

// outageScenarios returns the scenarios of the circuit breaker, at rate
// requests per second: a dependency that is down for 20 s, and one that
// fails half of its calls.
func outageScenarios(rate float64) (outage, degraded Scenario) {
	flaky := func(name, doc string, f Flaky) Scenario {
		f.Latency = 10 * time.Millisecond
		return Scenario{Name: name, Doc: doc, Clients: 10, Rate: rate, Duration: outageDuration, Layers: 1, Model: f, Policies: BreakerPolicies}
	}
	return flaky("outage", "a dependency failing every call for 20 s, then healthy", Flaky{Outage: Window{outageFrom, outageFrom + outageLength}}),
		flaky("degraded", "a dependency failing 50% of calls at random (503)", Flaky{P: 0.5})
}

// breakerRun is the circuit breaker of one run of a policy that has one,
// on the run's clock, and what it did. A nil *breakerRun is a run without
// a breaker: its methods do nothing.
type breakerRun struct {
	b *breaker.Breaker
	s *Scheduler

	rejected int // attempts it refused
	opened   int // times it opened
	// probes are the calls made while it was not closed, inFlight those
	// not yet answered, maxInFlight the most at once.
	probes, inFlight, maxInFlight int
	// opens are when it opened and for how long.
	opens []opening
}

// opening is a change of a breaker to open.
type opening struct {
	at, brk time.Duration
}

// newBreakerRun returns the breaker of a run of pol on s, drawing the
// spread of its breaks from a stream of seed of its own, or nil if pol
// has none.
func newBreakerRun(pol Policy, s *Scheduler, seed uint64) *breakerRun {
	if pol.Breaker == nil {
		return nil
	}
	br := &breakerRun{s: s}
	spread := rand.New(rand.NewPCG(seed, 4))
	cfg := *pol.Breaker
	cfg.Subscribers = append(cfg.Subscribers[:len(cfg.Subscribers):len(cfg.Subscribers)], observe.Func(br.changed))
	cfg = hook.BreakerClock(cfg, s, spread.Int64N).(breaker.Config)
	br.b = breaker.New(cfg)
	return br
}

// options returns the options of the layer that calls the downstream.
func (br *breakerRun) options() []retry.Option {
	if br == nil {
		return nil
	}
	return []retry.Option{retry.Breaker(br.b), retry.Subscribe(observe.Func(br.reject))}
}

// call calls down, counting it as a probe if the breaker is not closed.
func (br *breakerRun) call(ctx context.Context, down Downstream) error {
	if br == nil || br.b.State() == observe.BreakerClosed {
		return down.Call(ctx)
	}
	br.probes++
	br.inFlight++
	br.maxInFlight = max(br.maxInFlight, br.inFlight)
	defer func() { br.inFlight-- }()
	return down.Call(ctx)
}

// changed records the breaker's changes of state.
func (br *breakerRun) changed(c observe.BreakerStateChange) {
	if c.To == observe.BreakerOpen {
		br.opened++
		br.opens = append(br.opens, opening{at: br.s.Elapsed(), brk: c.Break})
	}
}

// reject counts a refusal of the breaker that a call tells of.
func (br *breakerRun) reject(observe.BreakerRejected) { br.rejected++ }

// report adds what the breaker did to res.
func (br *breakerRun) report(res *Result) {
	if br == nil {
		return
	}
	res.Breaker = true
	res.BreakerRejected = br.rejected
	res.BreakerOpened = br.opened
	res.Probes, res.MaxProbesInFlight = br.probes, br.maxInFlight
	if tr := res.Scenario.Model.trigger(); !tr.Empty() {
		for _, o := range br.opens {
			if o.at < tr.To {
				res.BreakAtEnd = o.brk
			}
		}
	}
}

// loadDuring returns the calls that reached the downstream during w per
// request begun during it, counted by Bin.
func (rec *recorder) loadDuring(w Window) float64 {
	return ratio(sum(rec.calls, w.From, w.To), sum(rec.arrivals, w.From, w.To))
}

// rejected formats the attempts that r's breaker refused; empty for a
// policy without one.
func rejected(r Result) string {
	if !r.Breaker {
		return ""
	}
	return strconv.Itoa(r.BreakerRejected)
}

// outageLoad formats r.OutageLoad with decimals; empty for a scenario
// without a trigger.
func outageLoad(r Result, decimals int) string {
	if r.Scenario.Model.trigger().Empty() {
		return ""
	}
	return f(r.OutageLoad, decimals)
}

// WriteBreakerSVG draws, for each scenario of results, the offered load
// on the downstream and the goodput over time, one panel each, one line
// per policy, as WriteSVG and WriteRecoverySVG draw them: the chart of the
// circuit breaker's scenarios.
func WriteBreakerSVG(w io.Writer, results []Result) error {
	bw := bufio.NewWriter(w)
	groups := byScenario(results)
	height := chartTop + 2*len(groups)*panelHeight
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartWidth, height)
	fmt.Fprintf(bw, `<text x="%d" y="28" font-size="18" font-weight="bold">A circuit breaker through an outage and a degradation</text>`+"\n", plotLeft)
	fmt.Fprintf(bw, `<text x="%d" y="48" fill="#444">Calls per second reaching the downstream, then requests that succeeded per second, in 0.5 s bins of virtual time. Shaded: the outage.</text>`+"\n", plotLeft)
	top := chartTop
	for _, g := range groups {
		for _, p := range []struct {
			title string
			v     view
		}{{"offered load", loadView}, {"goodput", goodputView}} {
			titled := slices.Clone(g)
			for i := range titled {
				titled[i].Scenario.Doc += " — " + p.title
			}
			drawPanel(bw, titled, top, p.v)
			top += panelHeight
		}
	}
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}
