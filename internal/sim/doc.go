// Package sim is a deterministic simulator of retry storms. It drives the
// retry package's own decision code (classification, backoff strategies,
// budgets, pushback) in virtual time, so that the storm-safety claims of
// reflexio are numbers anyone can reproduce: `make sim` prints them, and the
// tests of this package check them.
//
// # How a run works
//
// A Scheduler keeps a virtual clock and a queue of events. Every simulated
// request is a process, a goroutine that runs the real retry.Do with an
// option that puts the call on the virtual clock (through package
// internal/hook): its start, deadline and elapsed times come from the
// clock, and its waits park the process until the scheduler wakes it. Only
// one goroutine runs at a time, handing control back and forth through
// channels, so a run is race-free, takes no real time to wait, and gives
// the same result to the digit for the same seed. Arrivals, the downstream
// and the retry jitter each draw from a random stream of their own, so every
// policy of a scenario meets the same arrivals.
//
// # Models
//
// A Scenario has clients, a downstream, and policies to compare. Clients
// share a rate of requests (Poisson arrivals) or each make one request
// (Once). A request goes through Layers nested calls of retry.Do, the
// innermost of which calls the downstream:
//
//   - Flaky fails each call independently with probability P, or every call
//     during an outage window; its capacity is unbounded.
//   - Server has a fixed capacity and a first-in-first-out queue, and its
//     clients give up on a call after a timeout, as Transient. It still
//     serves the requests they gave up on: wasted work, the mechanism of
//     metastable failure. Its capacity can drop for a while (the trigger),
//     it can push back, rejecting work beyond a queue length with a 429
//     and a Retry-After hint, and it can fail the requests it serves at
//     random (P, 0 in the grid).
//   - Contended is the contention model of the AWS study "Exponential
//     Backoff And Jitter": clients that write one record with optimistic
//     concurrency, and conflict when their writes overlap. Its Jitter is
//     the network's, a random delay on each way of every call (0 to 5 ms
//     in the grid, ContentionJitter): without it, clients that back off
//     without jitter collide exactly on every retry, and full jitter
//     needed 0.15 times their calls instead of the study's 0.43; with it,
//     0.40.
//   - SlowTail never fails, but 2% of its calls (in the grid) are 10 to 50
//     times slower than the others, each call drawn alone, whichever
//     request or client makes it: the tail that hedging cuts. Its capacity
//     is unbounded, or, in the overload variant, that of a fixed number of
//     workers that serve calls first in first out, half of which stop for a
//     while (the trigger).
//
// The policies are NoRetry, Naive (what a hand-rolled retry does at every
// layer: 4 attempts, exponential backoff without jitter, everything
// retried, no deadline, no budget), Defaults (retry.Do without options) and
// BudgetPolicy (the defaults with a retry.Budget of ratio 0.1 shared by every
// client), plus a few that the nested and contention scenarios add. The
// slow-tail scenarios compare NoHedging, retry.Do without options, with
// the hedging policies (see Hedging below).
//
// A Tuning changes the scenarios of the grid: the offered load, the
// probability that a call fails, the number of clients, the ratio and burst
// of the budgets, and whether each client has budgets of its own. A Sweep
// runs one scenario at every point of a grid of loads and failure
// probabilities; WriteSweepCSV and WriteSweepSVG report it.
//
// # What is measured
//
// A Result has the load amplification (calls that reach the downstream per
// request, over the run, in the steady state, and at its worst second) and
// the extra load (the amplification less one: what retries and hedges
// add), the success rate, the goodput, the median, 99th and 99.9th
// percentiles of the latency,
// the time to recover to 95% goodput after the downstream's trigger, the
// share of a server's work that was wasted, and the offered load over time.
//
// The time to recover to 95% goodput (Result.Recovery, recovery_s in the
// CSV) is measured from the end of the trigger (an outage, a drop in
// capacity) to the start of the first window of one second (RecoveryWindow),
// sliding in steps of 100 ms (Bin), in which the requests that succeeded,
// counted when they ended, per second, reach 95% (RecoveredShare) of those
// per second before the trigger. The window lies wholly after the trigger
// and within the arrival window; "never" means no such window reached it.
// It measures what users of the downstream get back, not how the calls to
// it fare: a share of calls that succeed says nothing of how many requests
// were served, and a policy's own retries and a server's 429s would count
// against it.
//
// WriteCSV, WriteTable and WriteSVG report them; testdata/sim.csv and
// testdata/sim.svg hold the full grid's output for the default seed, the
// chart of which shows the storms at a glance. testdata/recovery.svg
// (WriteRecoverySVG) draws the goodput through the capacity drop, and
// testdata/amplification.csv and .svg hold the sweep of the flaky scenario
// over the failure probability, from 0 to 1: the charts of the README.
// testdata/hedging.svg draws the slow-tail scenarios (see Hedging).
//
// # Circuit breakers
//
// The outage scenario has a Flaky dependency that fails every call for
// 20 s and then comes back, the degraded one a Flaky that fails half of
// its calls; their runs last 70 s. Besides the four policies, they compare
// BudgetBreakerPolicy, the budget with a circuit breaker of the default
// configuration (package retry/breaker), and TunedBreakerPolicy, the same
// with TunedBreakerConfig. A policy's breaker (Policy.Breaker) is made
// afresh for each run, shared by every client, on the layer that calls the
// downstream, and runs on the run's virtual clock through
// hook.BreakerClock, with its own stream of randomness for the spread of
// its breaks. A Result adds the attempts the breaker refused
// (breaker_rejected in the CSV), the times it opened, its probes, and
// the load during the trigger (downstream_load_during_outage): the calls
// that reach the downstream during it per request offered during it, for
// every policy. WriteBreakerSVG draws their load and goodput over time
// (testdata/breaker.svg).
//
// # Hedging
//
// A policy with Hedge runs the layer that calls the downstream with
// retry.DoHedged, the real hedged loop, on the virtual clock: the
// Scheduler is a hook.Runner, so that the call's hedges are processes
// (Spawn), its hedge delay an event (AfterFunc), its wait for the end of a
// round a park (Waiter), and its attempts' contexts the Scheduler's
// (WithCancel), whose cancel wakes a loser where it waits, in Sleep or for
// a server, at the same virtual instant. A run that hedges is as
// reproducible as any other.
//
// A cancelled call lets its client go at once; the downstream is not
// told. The slow tail with workers still serves the call, queued or begun,
// as a server does that learns of the cancel only when it writes the
// answer, if at all: the work of a loser is wasted, and it counts in the
// load, the pessimistic choice for hedging under overload. Without
// workers, the downstream's capacity is unbounded and a loser costs
// nothing but its call.
//
// The slow-tail scenario compares NoHedging with HedgingFixed,
// Hedge(HedgeDelay, 2) with HedgeDelay the slowest of the fast calls
// (12 ms, fixed by the model), and HedgingAdaptive, HedgeAdaptive with a
// retry.Latency of the default configuration (the 95th percentile of the
// last 10 s) on the run's clock (Scheduler.Latency); the overload scenario
// adds HedgingBudget, HedgingFixed with a retry.Budget(BudgetRatio,
// BudgetBurst) shared by every client. On the slow tail, both hedging
// policies cut the p99 more than tenfold for about 2% more calls. Under
// overload, hedging doubles the load, with the adaptive delay as with the
// fixed one, and the Budget holds it to its ratio (8.6% more calls in the
// full grid): a Budget's hedges are paid from a reserve that only the
// ratio refills, never a success, since the overloaded calls are slow but
// succeed.
// WriteHedgingSVG draws the percentiles of the latency and the extra load
// of each policy (testdata/hedging.svg).
//
// # Running it
//
//	make sim                                # go run ./internal/sim/cmd/sim: sim.svg, hedging.svg
//	make sim SIMFLAGS='-scenario=capacity -budget=per-client'
//	make sim SIMFLAGS='-scenario=capacity -sweep=load=50:400:50,fail=0:1:0.1 -out=sweeps'
//	go run ./internal/sim/cmd/sim -h         # every flag
//	go test ./internal/sim                  # the claims, on a small grid
//	go test ./internal/sim -sim.full        # the claims on the full grid, and its output against testdata
//	go test ./internal/sim -sim.full -sim.update  # rewrite testdata after an intended change
package sim
