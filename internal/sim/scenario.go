package sim

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// A Scenario is a workload, a downstream and the policies to compare on
// them.
//
// Requests come from Clients clients. Each client makes requests at random,
// a Poisson process of rate Rate/Clients, during Duration; or, with Once,
// each makes one request at a uniformly random time within Duration, as the
// writers of the contention model do. A request goes through Layers nested
// calls of retry.Do, each wrapping the next, and the innermost one calls the
// downstream. With Responses, each layer but the innermost gets the failure
// of the layer below as a response rather than an error, and turns it into
// an error of its own, as a caller of an HTTP transport that retries does
// with the last response the transport gave up on.
type Scenario struct {
	Name string // short, for the CSV
	Doc  string // one line, for the table and the chart

	Clients   int
	Rate      float64 // requests per second, of all clients together
	Once      bool
	Duration  time.Duration
	Layers    int
	Responses bool
	Model     Model

	Policies []Policy
}

// A Model describes a downstream, to be built afresh for each run: a
// Flaky, a Server, a Contended or a SlowTail.
type Model interface {
	build(s *Scheduler, r *rand.Rand) Downstream
	trigger() Window // when the downstream is impaired; empty if never
}

func (f Flaky) build(s *Scheduler, r *rand.Rand) Downstream {
	return &flaky{Flaky: f, s: s, rand: r}
}

func (f Flaky) trigger() Window { return f.Outage }

func (sv Server) build(s *Scheduler, r *rand.Rand) Downstream {
	return &server{Server: sv, s: s, rand: r}
}

func (sv Server) trigger() Window { return sv.Drop }

func (c Contended) build(s *Scheduler, r *rand.Rand) Downstream {
	return &contended{Contended: c, s: s, rand: r, lastCommit: -1}
}

func (Contended) trigger() Window { return Window{} }

// tail is the slow tail of the slow-tail scenarios: 2% of calls 10 to 50 times
// slower than the others, 8 to 12 ms.
var tail = SlowTail{Fast: 10 * time.Millisecond, Jitter: 2 * time.Millisecond, Slow: 0.02, SlowMin: 10, SlowMax: 50}

// ContentionJitter is the network jitter of the contention scenario: each
// way of a call takes from 0 to 5 ms more, so that a 10 ms write's round
// trip takes 10 to 20 ms, as a write to a database in another availability
// zone or across a busy network does. It is what keeps clients that retry
// at the same instant from colliding exactly every time.
const ContentionJitter = 5 * time.Millisecond

// Grid returns the scenarios that make sim runs. The full grid is what the
// command runs; the small one has fewer requests and shorter runs, with the
// same shapes, for tests.
func Grid(full bool) []Scenario {
	// A scale of the load and of the time.
	rate, secs, capacity := 100.0, 30, 200.0
	nestedRate := 10.0
	workers := 8
	if full {
		rate, secs, capacity = 200, 60, 500
		nestedRate = 50
		workers = 16
	}
	d := time.Duration(secs) * time.Second
	trigger := Window{10 * time.Second, 12 * time.Second}
	outage, degraded := outageScenarios(rate) // outage.go
	flaky := func(name, doc string, f Flaky) Scenario {
		f.Latency = 10 * time.Millisecond
		return Scenario{Name: name, Doc: doc, Clients: 10, Rate: rate, Duration: d, Layers: 1, Model: f, Policies: Policies}
	}
	capacityDrop := Server{
		Capacity:   capacity,
		Timeout:    100 * time.Millisecond,
		Drop:       trigger,
		DropFactor: 0.5,
	}
	pushback := capacityDrop
	pushback.Shed, pushback.RetryAfter, pushback.RejectCost = 50*time.Millisecond, time.Second, 0.1
	overload := tail
	overload.Workers, overload.Drop, overload.DropFactor = workers, trigger, 0.5
	return []Scenario{
		flaky("flaky", "a dependency failing 10% of calls at random (503)", Flaky{P: 0.1}),
		flaky("down", "a dependency failing every call (503)", Flaky{P: 1}),
		outage,
		degraded,
		{
			Name: "nested", Doc: "three nested layers of retry.Do over a dependency failing every call",
			Clients: 10, Rate: nestedRate, Duration: d, Layers: 3,
			Model:    Flaky{P: 1, Latency: 10 * time.Millisecond},
			Policies: append(Policies[:len(Policies):len(Policies)], BudgetEveryLayer, ThreeAttempts),
		},
		{
			Name: "nested-http", Doc: "the same, each layer turning the failure below into an error of its own, as a caller of an HTTP transport does",
			Clients: 10, Rate: nestedRate, Duration: d, Layers: 3, Responses: true,
			Model:    Flaky{P: 1, Latency: 10 * time.Millisecond},
			Policies: append(Policies[:len(Policies):len(Policies)], ThreeAttempts),
		},
		{
			Name: "capacity", Doc: "a server at 80% load whose capacity halves for 2 s; clients time out after 100 ms",
			Clients: 10, Rate: 0.8 * capacity, Duration: d, Layers: 1, Model: capacityDrop, Policies: Policies,
		},
		{
			Name: "pushback", Doc: "the same, but the server rejects work beyond 50 ms of queue with 429 and Retry-After: 1",
			Clients: 10, Rate: 0.8 * capacity, Duration: d, Layers: 1, Model: pushback, Policies: Policies,
		},
		{
			Name: "slow-tail", Doc: "2% of calls, drawn per call, 10-50× slower than the rest: 100-500 ms, not 8-12 ms",
			Clients: 10, Rate: rate, Duration: d, Layers: 1, Model: tail, Policies: TailPolicies,
		},
		{
			Name: "slow-tail-overload", Doc: "the same, served by " + strconv.Itoa(workers) + " workers at 80% of their capacity, half of which stop for 2 s",
			Clients: 10, Rate: math.Round(0.8 * overload.Capacity()), Duration: d, Layers: 1, Model: overload, Policies: OverloadPolicies,
		},
		{
			Name: "contention", Doc: "100 clients writing one record once, with optimistic concurrency (10 ms per write, 0-5 ms of network each way)",
			Clients: 100, Once: true, Duration: 10 * time.Millisecond, Layers: 1,
			Model: Contended{Latency: 10 * time.Millisecond, Jitter: ContentionJitter}, Policies: ContentionPolicies,
		},
	}
}
