package otelobserve

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

// ScopeName is the name of the instrumentation scope, the meter, that
// Metrics records with: the package's import path.
const ScopeName = "github.com/reflexio-go/reflexio/observe/otelobserve"

// The metric names. See the package documentation for what each counts.
const (
	MetricCalls          = "reflexio.retry.calls"
	MetricAttempts       = "reflexio.retry.attempts"
	MetricCallDuration   = "reflexio.retry.call.duration"
	MetricDelay          = "reflexio.retry.delay"
	MetricBudgetRefusals = "reflexio.retry.budget.refusals"

	MetricBreakerState       = "reflexio.breaker.state"
	MetricBreakerTransitions = "reflexio.breaker.transitions"
	MetricBreakerRejections  = "reflexio.breaker.rejections"

	MetricHedges = "reflexio.retry.hedges"
)

// The attribute keys of the metrics and span events, besides
// semconv.ErrorTypeKey ("error.type"), which holds the class of a failed
// attempt.
const (
	// OperationKey is the operation's name, set with retry.Name. It is
	// left out when the call has no name.
	OperationKey = attribute.Key("reflexio.operation.name")

	// OutcomeKey is how a call ended: "success", or why it stopped, such as
	// "max_attempts_exceeded" (observe.Kind's String).
	OutcomeKey = attribute.Key("reflexio.outcome")

	// BreakerKey is a circuit breaker's name (its Config.Name), the
	// downstream it guards; left out when the breaker has none.
	BreakerKey = attribute.Key("reflexio.breaker.name")

	// BreakerStateKey is the state a circuit breaker moved to: "closed",
	// "open" or "half_open" (observe.BreakerState's String).
	BreakerStateKey = attribute.Key("reflexio.breaker.state")

	// BreakerReasonKey is why a circuit breaker changed state, such as
	// "failure_ratio" (observe.BreakerReason's String).
	BreakerReasonKey = attribute.Key("reflexio.breaker.reason")

	// HedgeEventKey is what the hedges of a hedged call did:
	// "hedge_started", "hedge_won" or "hedge_cancelled" (observe.Kind's
	// String).
	HedgeEventKey = attribute.Key("reflexio.hedge.event")
)

// buckets are the explicit bucket boundaries, in seconds, that Metrics
// advises for its two histograms, from a few milliseconds to two minutes,
// past the 60s after its first failure in which a call retries by default
// (retry.MaxRetryTime). A view of the MeterProvider can set others.
var buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

// maxCached bounds the attribute sets that a Metrics keeps, so that a
// program that puts ids into operation names costs allocations, not memory
// without end.
const maxCached = 1024

// Metrics is a Subscriber that records what the retry calls it observes did
// as OpenTelemetry metrics: the calls by outcome, their attempts and
// durations, the delays of their retries, the retries that a budget
// refused, the state, changes of state and refusals of circuit breakers,
// and the hedges of hedged calls. The package documentation defines each
// metric.
//
// Make one with NewMetrics, for a MeterProvider, and subscribe it to every
// call it should count: retry.Subscribe(m), alone or in a bundle; and to
// the breakers whose state it should record, in their
// breaker.Config.Subscribers. A Metrics
// is safe for concurrent use; one serves any number of calls at once.
// Recording an event allocates nothing once its attribute set has been
// seen, but for the hedging events and BreakerStateChange, rarer, whose
// attribute sets are made each time.
type Metrics struct {
	calls    metric.Int64Counter
	attempts metric.Int64Counter
	duration metric.Float64Histogram
	delay    metric.Float64Histogram
	refusals metric.Int64Counter

	breakerState       metric.Int64Gauge
	breakerTransitions metric.Int64Counter
	breakerRejections  metric.Int64Counter

	hedges metric.Int64Counter

	sets   sync.Map // setKey → *options
	cached atomic.Int64
}

// NewMetrics returns a Metrics that records with a meter of mp named
// ScopeName. A nil mp means the global MeterProvider (otel.GetMeterProvider)
// as it is when NewMetrics is called. It fails only if mp fails to make an
// instrument, with an error that wraps mp's.
func NewMetrics(mp metric.MeterProvider) (*Metrics, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter(ScopeName, metric.WithSchemaURL(semconv.SchemaURL))
	m := &Metrics{}
	var err error
	if m.calls, err = meter.Int64Counter(MetricCalls,
		metric.WithUnit("{call}"),
		metric.WithDescription("Retry calls that ended, by outcome."),
	); err != nil {
		return nil, instrumentError(MetricCalls, err)
	}
	if m.attempts, err = meter.Int64Counter(MetricAttempts,
		metric.WithUnit("{attempt}"),
		metric.WithDescription("Attempts made by retry calls that ended, by the call's outcome."),
	); err != nil {
		return nil, instrumentError(MetricAttempts, err)
	}
	if m.duration, err = meter.Float64Histogram(MetricCallDuration,
		metric.WithUnit("s"),
		metric.WithDescription("Duration of retry calls, waits included, by outcome."),
		metric.WithExplicitBucketBoundaries(buckets...),
	); err != nil {
		return nil, instrumentError(MetricCallDuration, err)
	}
	if m.delay, err = meter.Float64Histogram(MetricDelay,
		metric.WithUnit("s"),
		metric.WithDescription("Wait before each retry, by the class of the failure retried."),
		metric.WithExplicitBucketBoundaries(buckets...),
	); err != nil {
		return nil, instrumentError(MetricDelay, err)
	}
	if m.refusals, err = meter.Int64Counter(MetricBudgetRefusals,
		metric.WithUnit("{retry}"),
		metric.WithDescription("Retries that a retry budget refused, ending their call."),
	); err != nil {
		return nil, instrumentError(MetricBudgetRefusals, err)
	}
	if m.breakerState, err = meter.Int64Gauge(MetricBreakerState,
		metric.WithUnit("{state}"),
		metric.WithDescription("State of each circuit breaker: 0 closed, 1 open, 2 half-open."),
	); err != nil {
		return nil, instrumentError(MetricBreakerState, err)
	}
	if m.breakerTransitions, err = meter.Int64Counter(MetricBreakerTransitions,
		metric.WithUnit("{transition}"),
		metric.WithDescription("Changes of state of circuit breakers, by the state reached and why."),
	); err != nil {
		return nil, instrumentError(MetricBreakerTransitions, err)
	}
	if m.breakerRejections, err = meter.Int64Counter(MetricBreakerRejections,
		metric.WithUnit("{attempt}"),
		metric.WithDescription("Attempts that an open circuit breaker refused."),
	); err != nil {
		return nil, instrumentError(MetricBreakerRejections, err)
	}
	if m.hedges, err = meter.Int64Counter(MetricHedges,
		metric.WithUnit("{attempt}"),
		metric.WithDescription("Hedges of hedged calls: started, rounds a hedge won, attempts cancelled as losers."),
	); err != nil {
		return nil, instrumentError(MetricHedges, err)
	}
	return m, nil
}

// instrumentError is NewMetrics's error when mp fails to make an instrument.
func instrumentError(name string, err error) error {
	return fmt.Errorf("otelobserve: making %s: %w", name, err)
}

// Handle records e.
func (m *Metrics) Handle(ctx context.Context, e observe.Event) {
	f, ok := fieldsOf(e)
	if !ok {
		return
	}
	k := e.Kind()
	switch e := e.(type) {
	case observe.Retry:
		m.delay.Record(ctx, f.Delay.Seconds(), m.options(f, 0).record...)
		return
	case observe.BreakerStateChange:
		// Rare: the attribute sets are made each time.
		var name []attribute.KeyValue
		if e.Breaker != "" {
			name = append(name, BreakerKey.String(e.Breaker))
		}
		m.breakerState.Record(ctx, int64(e.To), metric.WithAttributeSet(attribute.NewSet(name...)))
		m.breakerTransitions.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(append(name,
			BreakerStateKey.String(e.To.String()), BreakerReasonKey.String(e.Reason.String()))...)))
		return
	case observe.BreakerRejected:
		m.breakerRejections.Add(ctx, 1, m.rejectionOptions(e).add...)
		return
	case observe.HedgeStarted:
		m.hedge(ctx, f, k, 1)
		return
	case observe.HedgeWon:
		if e.Hedge {
			m.hedge(ctx, f, k, 1)
		}
		return
	case observe.HedgeCancelled:
		m.hedge(ctx, f, k, int64(e.Losers))
		return
	}
	// Every other event ends a call.
	o := m.options(f, k)
	m.calls.Add(ctx, 1, o.add...)
	m.attempts.Add(ctx, int64(f.Attempt), o.add...)
	m.duration.Record(ctx, f.Elapsed.Seconds(), o.record...)
	if k == observe.KindBudgetExhausted {
		m.refusals.Add(ctx, 1, m.options(f, 0).add...)
	}
}

// hedge adds n to the hedges of kind k, of f's operation. Its attribute
// set is made each time, which allocates.
func (m *Metrics) hedge(ctx context.Context, f observe.Info, k observe.Kind, n int64) {
	kvs := []attribute.KeyValue{HedgeEventKey.String(k.String())}
	if f.Operation != "" {
		kvs = append(kvs, OperationKey.String(f.Operation))
	}
	m.hedges.Add(ctx, n, metric.WithAttributeSet(attribute.NewSet(kvs...)))
}

// Kinds returns every kind of event: each one that ends a call counts the
// call, Retry records a delay, and the breakers' events record their
// state, changes and refusals.
func (m *Metrics) Kinds() observe.Set { return kinds }

// String returns "otelobserve.Metrics".
func (m *Metrics) String() string { return "otelobserve.Metrics" }

// setKey identifies an attribute set: the operation, the class of the
// failure if there is one, and the outcome, or 0 for the sets of retries
// and refusals, which have none.
type setKey struct {
	op      string
	outcome observe.Kind
	class   classify.Class
	failed  bool

	rejected bool   // the set of a BreakerRejected: op and breaker
	breaker  string // its breaker's name
}

// options are the options that record with one attribute set, as slices,
// made once per set: a ready slice costs no allocation, where the variadic
// list of a call would escape to the heap through the instrument's
// interface at every call.
type options struct {
	add    []metric.AddOption
	record []metric.RecordOption
}

// options returns the options of the attribute set of f with outcome.
func (m *Metrics) options(f observe.Info, outcome observe.Kind) *options {
	k := setKey{op: f.Operation, outcome: outcome, class: f.Class, failed: f.Failed}
	if !f.Failed {
		k.class = 0 // no class without a failure: one set, whatever the event held
	}
	if o, ok := m.sets.Load(k); ok {
		return o.(*options)
	}
	return m.keep(k)
}

// rejectionOptions returns the options of the attribute set of e.
func (m *Metrics) rejectionOptions(e observe.BreakerRejected) *options {
	k := setKey{op: e.Operation, rejected: true, breaker: e.Breaker}
	if o, ok := m.sets.Load(k); ok {
		return o.(*options)
	}
	return m.keep(k)
}

// keep makes the options of k's attribute set, keeps them unless maxCached
// are kept already, and returns the options of k.
func (m *Metrics) keep(k setKey) *options {
	set := metric.WithAttributeSet(k.attributes())
	o := &options{add: []metric.AddOption{set}, record: []metric.RecordOption{set}}
	if m.cached.Load() < maxCached {
		if prev, loaded := m.sets.LoadOrStore(k, o); loaded {
			return prev.(*options)
		}
		m.cached.Add(1)
	}
	return o
}

func (k setKey) attributes() attribute.Set {
	kvs := make([]attribute.KeyValue, 0, 3)
	if k.op != "" {
		kvs = append(kvs, OperationKey.String(k.op))
	}
	if k.outcome != 0 {
		kvs = append(kvs, OutcomeKey.String(k.outcome.String()))
	}
	if k.failed {
		kvs = append(kvs, semconv.ErrorTypeKey.String(k.class.String()))
	}
	if k.breaker != "" {
		kvs = append(kvs, BreakerKey.String(k.breaker))
	}
	return attribute.NewSet(kvs...)
}

var _ observe.Selective = (*Metrics)(nil)
