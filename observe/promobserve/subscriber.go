package promobserve

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

// The metric names. See the package documentation for what each counts.
const (
	MetricCalls          = "reflexio_retry_calls_total"
	MetricAttempts       = "reflexio_retry_attempts_total"
	MetricCallDuration   = "reflexio_retry_call_duration_seconds"
	MetricDelay          = "reflexio_retry_delay_seconds"
	MetricBudgetRefusals = "reflexio_retry_budget_refusals_total"

	MetricBreakerState       = "reflexio_breaker_state"
	MetricBreakerTransitions = "reflexio_breaker_transitions_total"
	MetricBreakerRejections  = "reflexio_breaker_rejections_total"

	MetricHedges = "reflexio_retry_hedges_total"
)

// The label names.
const (
	// LabelOperation is the operation's name, set with retry.Name; empty
	// when the call has none.
	LabelOperation = "operation"

	// LabelOutcome is how a call ended: "success", or why it stopped, such
	// as "max_attempts_exceeded" (observe.Kind's String).
	LabelOutcome = "outcome"

	// LabelClass is the class of a failed attempt, such as "Transient"
	// (classify.Class's String); empty when no attempt failed.
	LabelClass = "class"

	// LabelBreaker is a circuit breaker's name (its Config.Name), the
	// downstream it guards.
	LabelBreaker = "breaker"

	// LabelTo is the state a breaker moved to: "closed", "open" or
	// "half_open" (observe.BreakerState's String).
	LabelTo = "to"

	// LabelReason is why a breaker changed state, such as "failure_ratio"
	// (observe.BreakerReason's String).
	LabelReason = "reason"

	// LabelEvent is what the hedges of a hedged call did: "hedge_started",
	// "hedge_won" or "hedge_cancelled" (observe.Kind's String).
	LabelEvent = "event"
)

// defaultBuckets are the bucket boundaries of the two histograms, in
// seconds, from a few milliseconds to two minutes, past the 60s after its
// first failure in which a call retries by default (retry.MaxRetryTime),
// unless Buckets says otherwise.
var defaultBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

// maxCached bounds the series that a Subscriber keeps at hand, so that a
// program that puts ids into operation names costs allocations, not memory
// without end (in this process; the registry keeps every series).
const maxCached = 1024

// A Subscriber is an observe.Subscriber that records what the retry calls it
// observes did as Prometheus metrics: the calls by outcome, their attempts
// and durations, the delays of their retries, the retries that a
// budget refused, the state, changes of state and refusals of circuit
// breakers, and the hedges of hedged calls. The package documentation
// defines each metric.
//
// Make one with New, which registers it, and subscribe it to every call it
// should count: retry.Subscribe(s), alone or in a bundle; and to the
// breakers whose state it should show, in their breaker.Config.Subscribers.
// A Subscriber is
// also the prometheus.Collector of its metrics, so Unregister(s) removes
// them all. It is safe for concurrent use; one serves any number of calls
// at once. Recording an event allocates nothing once its series exist.
type Subscriber struct {
	calls    *prometheus.CounterVec
	attempts *prometheus.CounterVec
	duration *prometheus.HistogramVec
	delay    *prometheus.HistogramVec
	refusals *prometheus.CounterVec

	breakerState       *prometheus.GaugeVec
	breakerTransitions *prometheus.CounterVec
	breakerRejections  *prometheus.CounterVec

	hedges *prometheus.CounterVec

	series sync.Map // seriesKey → *series
	cached atomic.Int64
}

// New returns a Subscriber whose metrics are registered with reg, all or
// none: it fails, with an error that wraps the registry's, if reg refuses
// any of them, as it does if metrics of the same names are there already.
// A nil reg means prometheus.DefaultRegisterer. To add a prefix or constant
// labels to the metrics, wrap reg with prometheus.WrapRegistererWithPrefix
// or prometheus.WrapRegistererWith.
//
// Options, such as Buckets, change the metrics; an invalid one makes New
// fail with an error that names it and its value and matches
// retry.ErrInvalidOption, before anything is registered.
func New(reg prometheus.Registerer, opts ...Option) (*Subscriber, error) {
	c := config{buckets: defaultBuckets}
	for _, o := range opts {
		if o == nil {
			c.fail("nil Option", "want an Option such as Buckets(…)")
			continue
		}
		o.apply(&c)
	}
	if c.err != nil {
		return nil, c.err
	}
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	byOutcome := []string{LabelOperation, LabelOutcome, LabelClass}
	byClass := []string{LabelOperation, LabelClass}
	s := &Subscriber{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricCalls,
			Help: "Retry calls that ended, by outcome.",
		}, byOutcome),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricAttempts,
			Help: "Attempts made by retry calls that ended, by the call's outcome.",
		}, byOutcome),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricCallDuration,
			Help:    "Duration of retry calls, waits included, by outcome.",
			Buckets: c.buckets,
		}, byOutcome),
		delay: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricDelay,
			Help:    "Wait before each retry, by the class of the failure retried.",
			Buckets: c.buckets,
		}, byClass),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricBudgetRefusals,
			Help: "Retries that a retry budget refused, ending their call.",
		}, byClass),
		breakerState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: MetricBreakerState,
			Help: "State of each circuit breaker: 0 closed, 1 open, 2 half-open.",
		}, []string{LabelBreaker}),
		breakerTransitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricBreakerTransitions,
			Help: "Changes of state of circuit breakers, by the state reached and why.",
		}, []string{LabelBreaker, LabelTo, LabelReason}),
		breakerRejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricBreakerRejections,
			Help: "Attempts that an open circuit breaker refused.",
		}, []string{LabelOperation, LabelBreaker}),
		hedges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricHedges,
			Help: "Hedges of hedged calls: started, rounds a hedge won, attempts cancelled as losers.",
		}, []string{LabelOperation, LabelEvent}),
	}
	if err := reg.Register(s); err != nil {
		return nil, fmt.Errorf("promobserve: %w", err)
	}
	return s, nil
}

// Handle records e.
func (s *Subscriber) Handle(_ context.Context, e observe.Event) {
	f, ok := fieldsOf(e)
	if !ok {
		return
	}
	k := e.Kind()
	switch e := e.(type) {
	case observe.Retry:
		s.seriesOf(f, k).delay.Observe(f.Delay.Seconds())
		return
	case observe.BreakerStateChange:
		// Rare: no series kept at hand.
		s.breakerState.WithLabelValues(e.Breaker).Set(float64(e.To))
		s.breakerTransitions.WithLabelValues(e.Breaker, e.To.String(), e.Reason.String()).Inc()
		return
	case observe.BreakerRejected:
		s.rejectionsOf(e).Inc()
		return
	case observe.HedgeStarted:
		s.hedges.WithLabelValues(e.Operation, k.String()).Inc()
		return
	case observe.HedgeWon:
		if e.Hedge {
			s.hedges.WithLabelValues(e.Operation, k.String()).Inc()
		}
		return
	case observe.HedgeCancelled:
		s.hedges.WithLabelValues(e.Operation, k.String()).Add(float64(e.Losers))
		return
	}
	// Every other event ends a call.
	m := s.seriesOf(f, k)
	m.calls.Inc()
	m.attempts.Add(float64(f.Attempt))
	m.duration.Observe(f.Elapsed.Seconds())
	if m.refusals != nil {
		m.refusals.Inc()
	}
}

// Kinds returns every kind of event: each one that ends a call counts the
// call, Retry records a delay, and the breakers' events record their
// state, changes and refusals.
func (s *Subscriber) Kinds() observe.Set { return kinds }

// String returns "promobserve.Subscriber".
func (s *Subscriber) String() string { return "promobserve.Subscriber" }

// Describe sends the descriptions of the Subscriber's metrics to ch, for
// prometheus.Collector.
func (s *Subscriber) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range s.collectors() {
		c.Describe(ch)
	}
}

// Collect sends the Subscriber's metrics to ch, for prometheus.Collector.
func (s *Subscriber) Collect(ch chan<- prometheus.Metric) {
	for _, c := range s.collectors() {
		c.Collect(ch)
	}
}

func (s *Subscriber) collectors() [9]prometheus.Collector {
	return [...]prometheus.Collector{s.calls, s.attempts, s.duration, s.delay, s.refusals, s.breakerState, s.breakerTransitions, s.breakerRejections, s.hedges}
}

// seriesKey identifies the series that an event records to: its
// operation, its kind, and the class of the failure it tells of, if any.
type seriesKey struct {
	op      string
	kind    observe.Kind
	class   classify.Class
	failed  bool
	breaker string // of a BreakerRejected
}

// series are the metrics, with their labels, that events of one seriesKey
// record to: delay for a Retry; calls, attempts and duration, and refusals
// for a BudgetExhausted, for the events that end a call; rejections for a
// BreakerRejected.
type series struct {
	calls, attempts prometheus.Counter
	duration        prometheus.Observer
	delay           prometheus.Observer
	refusals        prometheus.Counter
	rejections      prometheus.Counter
}

// seriesOf returns the series of f, an event of kind k, looked up in the
// vectors once and kept, so that recording allocates nothing.
func (s *Subscriber) seriesOf(f observe.Info, k observe.Kind) *series {
	key := seriesKey{op: f.Operation, kind: k, class: f.Class, failed: f.Failed}
	if !f.Failed {
		key.class = 0 // no class without a failure: one series, whatever the event held
	}
	if m, ok := s.series.Load(key); ok {
		return m.(*series)
	}
	class := ""
	if f.Failed {
		class = f.Class.String()
	}
	m := &series{}
	if k == observe.KindRetry {
		m.delay = s.delay.WithLabelValues(f.Operation, class)
	} else {
		outcome := k.String()
		m.calls = s.calls.WithLabelValues(f.Operation, outcome, class)
		m.attempts = s.attempts.WithLabelValues(f.Operation, outcome, class)
		m.duration = s.duration.WithLabelValues(f.Operation, outcome, class)
		if k == observe.KindBudgetExhausted {
			m.refusals = s.refusals.WithLabelValues(f.Operation, class)
		}
	}
	return s.keep(key, m)
}

// rejectionsOf returns the counter of e's rejections, looked up once and
// kept.
func (s *Subscriber) rejectionsOf(e observe.BreakerRejected) prometheus.Counter {
	key := seriesKey{op: e.Operation, kind: observe.KindBreakerRejected, breaker: e.Breaker}
	if m, ok := s.series.Load(key); ok {
		return m.(*series).rejections
	}
	return s.keep(key, &series{rejections: s.breakerRejections.WithLabelValues(e.Operation, e.Breaker)}).rejections
}

// keep keeps m as the series of key, unless maxCached are kept already,
// and returns the series of key.
func (s *Subscriber) keep(key seriesKey, m *series) *series {
	if s.cached.Load() < maxCached {
		if prev, loaded := s.series.LoadOrStore(key, m); loaded {
			return prev.(*series)
		}
		s.cached.Add(1)
	}
	return m
}

var (
	_ observe.Selective    = (*Subscriber)(nil)
	_ prometheus.Collector = (*Subscriber)(nil)
)
