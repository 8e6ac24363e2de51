package sim

import (
	"math"
	"time"

	"golang.org/x/exp/stats"
)

// Bin is the resolution of the time series a run records: calls to the
// downstream, arrivals, and answers, per Bin of virtual time.
const Bin = 100 * time.Millisecond

// A downstream counts as recovered from its trigger once the goodput over
// a RecoveryWindow, the requests that succeeded in it per second, reaches
// RecoveredShare of the goodput before the trigger. The window slides in
// steps of Bin.
const (
	RecoveredShare = 0.95
	RecoveryWindow = time.Second
)

// A Result is what one run of a scenario under a policy did.
type Result struct {
	Scenario Scenario
	Policy   string

	Requests int // requests made, by every client
	Calls    int // calls that reached the downstream

	// Amplification is the load amplification: calls to the downstream per
	// request, over the whole run. Less one, it is the extra load
	// (ExtraLoad).
	Amplification float64

	// Steady is the amplification in the steady state: calls to the
	// downstream per request, of the requests begun in the second half of
	// the arrival window, wherever their calls fell.
	Steady float64

	// Peak is the largest amplification of any whole second of the arrival
	// window: the calls made in it per request begun in it.
	Peak float64

	SuccessRate float64 // the share of requests that succeeded

	// Goodput is the requests that succeeded per second of the arrival
	// window or, with Once, of the time until the last request ended.
	Goodput float64

	// P50, P99 and P999 are quantiles of the latency of every request,
	// from its beginning to its success or its failure, retries and waits
	// included.
	P50, P99, P999 time.Duration

	// Recovery is the time to recover to 95% goodput: how long after the
	// end of the downstream's trigger (an outage, a drop in capacity) the
	// goodput first came back. It is the start, less the trigger's end, of
	// the first RecoveryWindow wholly after the trigger and within the
	// arrival window, at a multiple of Bin, in which the requests that
	// succeeded (counted when they ended) per second reach RecoveredShare
	// of those per second before the trigger, from the start of the run to
	// the trigger's start. Zero means the goodput was back in the first
	// window after the trigger. It is negative if no window reached it, and
	// zero for a scenario without a trigger.
	Recovery time.Duration

	// Wasted is the share of a server's work spent on requests whose
	// clients had left, and on rejections; zero for other downstreams.
	Wasted float64

	// PushbackWait is the shortest time between a call rejected with a
	// Retry-After hint and the same request's next call; negative if no
	// rejected call was followed by another.
	PushbackWait time.Duration

	// steadyRequests is the number of requests begun in the window of Steady.
	steadyRequests int

	// Load is the offered load on the downstream: calls per second, per Bin
	// from the start of the run to the last call.
	Load []float64

	// Done is the goodput over time: requests that succeeded per second,
	// counted when they ended, per Bin from the start of the run to the
	// last success.
	Done []float64

	// OutageLoad is the load on the downstream during its trigger (an
	// outage, a drop in capacity): the calls begun in it per request begun
	// in it, counted by Bin; zero for a scenario without a trigger.
	OutageLoad float64

	// Breaker tells whether the policy had a circuit breaker. If so,
	// BreakerRejected is the attempts it refused, BreakerOpened the times
	// it opened, Probes the calls made while it was not closed (half-open),
	// MaxProbesInFlight the most of them at once, and BreakAtEnd the
	// length of the last break it began before the end of the trigger.
	Breaker           bool
	BreakerRejected   int
	BreakerOpened     int
	Probes            int
	MaxProbesInFlight int
	BreakAtEnd        time.Duration
}

// ExtraLoad returns the calls to the downstream per request beyond one:
// the attempts sent over the requests offered, less one. It is the load
// that a policy's retries and hedges add, as a share of the requests.
func (r Result) ExtraLoad() float64 { return r.Amplification - 1 }

// Recovered reports whether the downstream recovered from its trigger
// within the run.
func (r Result) Recovered() bool { return r.Recovery >= 0 }

// request is one request of a client: the call of the outermost layer.
type request struct {
	begin, end  time.Duration
	calls       int
	ok          bool
	lastRejects time.Duration // when its last call was rejected; -1 if it was not
}

// recorder keeps what a run did, as it happens.
type recorder struct {
	sc       Scenario
	reqs     []*request
	arrivals []int // requests begun, per Bin
	calls    []int // calls to the downstream begun, per Bin
	done     []int // requests that ended with success, per Bin of their end
	pushback time.Duration
}

func newRecorder(sc Scenario) *recorder { return &recorder{sc: sc, pushback: -1} }

// count adds one to the bin of t in *series, growing it as needed.
func count(series *[]int, t time.Duration) {
	i := int(t / Bin)
	for len(*series) <= i {
		*series = append(*series, 0)
	}
	(*series)[i]++
}

func (rec *recorder) begin(now time.Duration) *request {
	r := &request{begin: now, lastRejects: -1}
	rec.reqs = append(rec.reqs, r)
	count(&rec.arrivals, now)
	return r
}

// call records that r calls the downstream now.
func (rec *recorder) call(r *request, now time.Duration) {
	r.calls++
	count(&rec.calls, now)
	if r.lastRejects >= 0 {
		if w := now - r.lastRejects; rec.pushback < 0 || w < rec.pushback {
			rec.pushback = w
		}
		r.lastRejects = -1
	}
}

// answer records the answer to r's call: whether it was rejected.
func (rec *recorder) answer(r *request, rejected bool, now time.Duration) {
	if rejected {
		r.lastRejects = now
	}
}

func (rec *recorder) end(r *request, ok bool, now time.Duration) {
	r.end, r.ok = now, ok
	if ok {
		count(&rec.done, now)
	}
}

// sum returns the sum of series over the bins of [from, to).
func sum(series []int, from, to time.Duration) int {
	n := 0
	for i := int(from / Bin); i < int(to/Bin) && i < len(series); i++ {
		n += series[i]
	}
	return n
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (rec *recorder) result(pol Policy, down Downstream) Result {
	sc := rec.sc
	res := Result{Scenario: sc, Policy: pol.Name, Requests: len(rec.reqs), PushbackWait: rec.pushback}
	latencies := make([]float64, 0, len(rec.reqs))
	succeeded, steadyCalls := 0, 0
	half := sc.Duration / 2 // the steady state's window is the second half
	var last time.Duration
	for _, r := range rec.reqs {
		res.Calls += r.calls
		if r.ok {
			succeeded++
		}
		if r.begin >= half {
			res.steadyRequests++
			steadyCalls += r.calls
		}
		last = max(last, r.end)
		latencies = append(latencies, (r.end - r.begin).Seconds())
	}
	res.Amplification = ratio(res.Calls, res.Requests)
	res.SuccessRate = ratio(succeeded, res.Requests)
	span := sc.Duration
	if sc.Once {
		span = last
	}
	if span > 0 {
		res.Goodput = float64(succeeded) / span.Seconds()
	}
	if len(latencies) > 0 {
		q := stats.Quantiles(latencies, 0.5, 0.99, 0.999)
		res.P50, res.P99, res.P999 = seconds(q[0]), seconds(q[1]), seconds(q[2])
	}

	res.Steady = ratio(steadyCalls, res.steadyRequests)
	for t := time.Duration(0); t+time.Second <= sc.Duration; t += time.Second {
		res.Peak = max(res.Peak, ratio(sum(rec.calls, t, t+time.Second), sum(rec.arrivals, t, t+time.Second)))
	}

	if tr := sc.Model.trigger(); !tr.Empty() {
		res.Recovery = rec.recovery(tr)
		res.OutageLoad = rec.loadDuring(tr)
	}
	if sv, ok := down.(*server); ok && sv.served+sv.wasted > 0 {
		res.Wasted = sv.wasted / (sv.served + sv.wasted)
	}
	res.Load, res.Done = perSecond(rec.calls), perSecond(rec.done)
	return res
}

// recovery returns how long after the end of trigger tr the goodput over a
// RecoveryWindow first reached RecoveredShare of the goodput before tr, or
// -1 if it did not within the arrival window.
func (rec *recorder) recovery(tr Window) time.Duration {
	if tr.From <= 0 {
		return -1 // no goodput before the trigger to recover to
	}
	before := float64(sum(rec.done, 0, tr.From)) / tr.From.Seconds()
	for t := tr.To; t+RecoveryWindow <= rec.sc.Duration; t += Bin {
		if float64(sum(rec.done, t, t+RecoveryWindow))/RecoveryWindow.Seconds() >= RecoveredShare*before {
			return t - tr.To
		}
	}
	return -1
}

// perSecond returns the counts per Bin of series as rates per second.
func perSecond(series []int) []float64 {
	out := make([]float64, len(series))
	for i, n := range series {
		out[i] = float64(n) / Bin.Seconds()
	}
	return out
}

func seconds(s float64) time.Duration {
	if math.IsNaN(s) {
		return 0
	}
	return time.Duration(math.Round(s * float64(time.Second)))
}
