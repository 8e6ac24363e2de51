package otelobserve_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/observe/otelobserve"
	"github.com/reflexio-go/reflexio/retry"
)

// newMetrics returns a Metrics that records to a provider of its own, and
// the reader of that provider.
func newMetrics(t *testing.T) (*otelobserve.Metrics, *sdkmetric.ManualReader) {
	t.Helper()
	r := sdkmetric.NewManualReader()
	m, err := otelobserve.NewMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)))
	if err != nil {
		t.Fatalf("NewMetrics = %v", err)
	}
	return m, r
}

// collect returns what r's provider recorded with the package's meter.
func collect(t *testing.T, r *sdkmetric.ManualReader) metricdata.ScopeMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect = %v", err)
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name == otelobserve.ScopeName {
			return sm
		}
	}
	return metricdata.ScopeMetrics{}
}

// attrs returns the attribute set of an operation, an outcome and a class,
// leaving out those that are empty.
func attrs(op, outcome, class string) attribute.Set {
	var kvs []attribute.KeyValue
	if op != "" {
		kvs = append(kvs, otelobserve.OperationKey.String(op))
	}
	if outcome != "" {
		kvs = append(kvs, otelobserve.OutcomeKey.String(outcome))
	}
	if class != "" {
		kvs = append(kvs, semconv.ErrorTypeKey.String(class))
	}
	return attribute.NewSet(kvs...)
}

func count(set attribute.Set, n int64) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{Attributes: set, Value: n}
}

func counter(name, unit, description string, points ...metricdata.DataPoint[int64]) metricdata.Metrics {
	return metricdata.Metrics{
		Name: name, Unit: unit, Description: description,
		Data: metricdata.Sum[int64]{DataPoints: points, Temporality: metricdata.CumulativeTemporality, IsMonotonic: true},
	}
}

// bounds are the bucket boundaries that the histograms should have.
var bounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

// observed returns the histogram point of values, in seconds.
func observed(set attribute.Set, values ...float64) metricdata.HistogramDataPoint[float64] {
	p := metricdata.HistogramDataPoint[float64]{
		Attributes:   set,
		Count:        uint64(len(values)),
		Bounds:       bounds,
		BucketCounts: make([]uint64, len(bounds)+1),
		Min:          metricdata.NewExtrema(slices.Min(values)),
		Max:          metricdata.NewExtrema(slices.Max(values)),
	}
	for _, v := range values {
		p.Sum += v
		i, _ := slices.BinarySearch(bounds, v) // buckets are (b[i-1], b[i]]
		p.BucketCounts[i]++
	}
	return p
}

func histogram(name, description string, points ...metricdata.HistogramDataPoint[float64]) metricdata.Metrics {
	return metricdata.Metrics{
		Name: name, Unit: "s", Description: description,
		Data: metricdata.Histogram[float64]{DataPoints: points, Temporality: metricdata.CumulativeTemporality},
	}
}

const (
	descCalls    = "Retry calls that ended, by outcome."
	descAttempts = "Attempts made by retry calls that ended, by the call's outcome."
	descDuration = "Duration of retry calls, waits included, by outcome."
	descDelay    = "Wait before each retry, by the class of the failure retried."
	descRefusals = "Retries that a retry budget refused, ending their call."
)

func scope(metrics ...metricdata.Metrics) metricdata.ScopeMetrics {
	return metricdata.ScopeMetrics{
		Scope:   instrumentation.Scope{Name: otelobserve.ScopeName, SchemaURL: semconv.SchemaURL},
		Metrics: metrics,
	}
}

func TestMetricsOfScriptedCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, r := newMetrics(t)
		script(t.Context(), m)

		var (
			usersOK        = attrs("users.get", "success", "")
			usersPermanent = attrs("users.get", "permanent_failure", "Permanent")
			ordersMax      = attrs("orders.list", "max_attempts_exceeded", "ServerError")
			ordersBudget   = attrs("orders.list", "budget_exhausted", "Transient")
			ordersCancel   = attrs("orders.list", "cancelled", "")
			ordersDeadline = attrs("orders.list", "deadline_exceeded", "Transient")
			unnamedUnknown = attrs("", "max_unknown_attempts_exceeded", "Unknown")
		)
		want := scope(
			counter(otelobserve.MetricCalls, "{call}", descCalls,
				count(usersOK, 1), count(usersPermanent, 1), count(ordersMax, 1), count(ordersBudget, 1),
				count(ordersCancel, 1), count(ordersDeadline, 1), count(unnamedUnknown, 1)),
			counter(otelobserve.MetricAttempts, "{attempt}", descAttempts,
				count(usersOK, 3), count(usersPermanent, 1), count(ordersMax, 2), count(ordersBudget, 2),
				count(ordersCancel, 0), count(ordersDeadline, 2), count(unnamedUnknown, 2)),
			histogram(otelobserve.MetricCallDuration, descDuration,
				observed(usersOK, 2), observed(usersPermanent, 0), observed(ordersMax, 1), observed(ordersBudget, 1),
				observed(ordersCancel, 0), observed(ordersDeadline, 1), observed(unnamedUnknown, 1)),
			histogram(otelobserve.MetricDelay, descDelay,
				observed(attrs("users.get", "", "Transient"), 1, 1),
				observed(attrs("orders.list", "", "ServerError"), 1),
				observed(attrs("orders.list", "", "Transient"), 1, 1),
				observed(attrs("", "", "Unknown"), 1)),
			counter(otelobserve.MetricBudgetRefusals, "{retry}", descRefusals,
				count(attrs("orders.list", "", "Transient"), 1)),
		)
		metricdatatest.AssertEqual(t, want, collect(t, r), metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	})
}

// A call cancelled during its wait made one attempt, which both its Retry
// and its Cancelled tell of: it counts once.
func TestMetricsOfACallCancelledDuringAWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, r := newMetrics(t)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(5*time.Second, cancel)
		_ = retry.Run(ctx, failing(classify.MarkTransient(errReset)), retry.Name("users.get"),
			retry.Backoff(backoff.Constant(10*time.Second)), retry.Subscribe(m))

		cancelled := attrs("users.get", "cancelled", "Transient")
		want := scope(
			counter(otelobserve.MetricCalls, "{call}", descCalls, count(cancelled, 1)),
			counter(otelobserve.MetricAttempts, "{attempt}", descAttempts, count(cancelled, 1)),
			histogram(otelobserve.MetricCallDuration, descDuration, observed(cancelled, 5)),
			histogram(otelobserve.MetricDelay, descDelay, observed(attrs("users.get", "", "Transient"), 10)),
		)
		metricdatatest.AssertEqual(t, want, collect(t, r), metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	})
}

// Each event type, handed to Handle directly: what it adds to each metric.
func TestMetricsOfEachEvent(t *testing.T) {
	const op = "users.get"
	tests := []struct {
		e        observe.Event
		outcome  string // "": the event ends no call
		class    string
		attempts int64
		refused  bool
	}{
		{e: observe.Success{Operation: op, Attempt: 2, Elapsed: time.Second}, attempts: 2, outcome: "success"},
		{e: observe.Retry{Operation: op, Attempt: 2, Class: classify.RateLimit, Err: errReset, Delay: time.Second, Elapsed: time.Second}, class: "RateLimit"},
		{e: observe.PermanentFailure{Operation: op, Attempt: 2, Class: classify.Permanent, Err: errBad, Elapsed: time.Second}, attempts: 2, outcome: "permanent_failure", class: "Permanent"},
		{e: observe.MaxAttemptsExceeded{Operation: op, Attempt: 2, Class: classify.ServerError, Err: errInternal, Elapsed: time.Second}, attempts: 2, outcome: "max_attempts_exceeded", class: "ServerError"},
		{e: observe.MaxUnknownAttemptsExceeded{Operation: op, Attempt: 2, Class: classify.Unknown, Err: errOdd, Elapsed: time.Second}, attempts: 2, outcome: "max_unknown_attempts_exceeded", class: "Unknown"},
		{e: observe.MaxClassAttemptsExceeded{Operation: op, Attempt: 2, Class: classify.Concurrency, Err: errOdd, Elapsed: time.Second}, attempts: 2, outcome: "max_class_attempts_exceeded", class: "Concurrency"},
		{e: observe.DeadlineExceeded{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second}, attempts: 2, outcome: "deadline_exceeded", class: "Transient"},
		{e: observe.DeadlineExceeded{Operation: op, Class: classify.Unknown, Cause: context.DeadlineExceeded, Elapsed: time.Second}, attempts: 0, outcome: "deadline_exceeded"},
		{e: observe.BudgetExhausted{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second}, attempts: 2, outcome: "budget_exhausted", class: "Transient", refused: true},
		{e: observe.Cancelled{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Cause: context.Canceled, Elapsed: time.Second}, attempts: 2, outcome: "cancelled", class: "Transient"},
		{e: observe.Cancelled{Operation: op, Class: classify.Unknown, Cause: context.Canceled, Elapsed: time.Second}, attempts: 0, outcome: "cancelled"},
	}
	for _, tt := range tests {
		name := tt.e.Kind().String()
		if tt.class == "" {
			name += " without a failed attempt"
		}
		t.Run(name, func(t *testing.T) {
			m, r := newMetrics(t)
			m.Handle(t.Context(), tt.e)

			var want metricdata.ScopeMetrics
			if tt.outcome == "" {
				want = scope(histogram(otelobserve.MetricDelay, descDelay, observed(attrs(op, "", tt.class), 1)))
			} else {
				set := attrs(op, tt.outcome, tt.class)
				want = scope(
					counter(otelobserve.MetricCalls, "{call}", descCalls, count(set, 1)),
					counter(otelobserve.MetricAttempts, "{attempt}", descAttempts, count(set, tt.attempts)),
					histogram(otelobserve.MetricCallDuration, descDuration, observed(set, 1)),
				)
				if tt.refused {
					want.Metrics = append(want.Metrics, counter(otelobserve.MetricBudgetRefusals, "{retry}", descRefusals,
						count(attrs(op, "", tt.class), 1)))
				}
			}
			metricdatatest.AssertEqual(t, want, collect(t, r), metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
		})
	}
}

func TestMetricsSharedByConcurrentCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, r := newMetrics(t)
		opts := retry.Options(retry.Name("users.get"), retry.Backoff(backoff.Constant(time.Second)), retry.Subscribe(m))
		const goroutines, calls = 4, 50
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				for range calls {
					_ = retry.Run(t.Context(), failing(classify.MarkTransient(errReset)), opts)
				}
			})
		}
		wg.Wait()

		// Each call: a Transient failure, a wait of a second, a success.
		seconds := slices.Repeat([]float64{1}, goroutines*calls)
		ok := attrs("users.get", "success", "")
		want := scope(
			counter(otelobserve.MetricCalls, "{call}", descCalls, count(ok, goroutines*calls)),
			counter(otelobserve.MetricAttempts, "{attempt}", descAttempts, count(ok, 2*goroutines*calls)),
			histogram(otelobserve.MetricCallDuration, descDuration, observed(ok, seconds...)),
			histogram(otelobserve.MetricDelay, descDelay, observed(attrs("users.get", "", "Transient"), seconds...)),
		)
		metricdatatest.AssertEqual(t, want, collect(t, r), metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	})
}

func TestNewMetricsUsesTheGlobalProviderForNil(t *testing.T) {
	r := sdkmetric.NewManualReader()
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)))
	t.Cleanup(func() { otel.SetMeterProvider(prev) })

	m, err := otelobserve.NewMetrics(nil)
	if err != nil {
		t.Fatalf("NewMetrics(nil) = %v", err)
	}
	m.Handle(t.Context(), observe.Success{Operation: "users.get", Attempt: 1})
	want := scope(
		counter(otelobserve.MetricCalls, "{call}", descCalls, count(attrs("users.get", "success", ""), 1)),
		counter(otelobserve.MetricAttempts, "{attempt}", descAttempts, count(attrs("users.get", "success", ""), 1)),
		histogram(otelobserve.MetricCallDuration, descDuration, observed(attrs("users.get", "success", ""), 0)),
	)
	metricdatatest.AssertEqual(t, want, collect(t, r), metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

// failingProvider makes meters that fail to make the instrument named fail.
type failingProvider struct {
	noop.MeterProvider
	fail string
}

func (p failingProvider) Meter(string, ...metric.MeterOption) metric.Meter {
	return failingMeter{fail: p.fail}
}

type failingMeter struct {
	noop.Meter
	fail string
}

var errInstrument = errors.New("no instrument")

func (m failingMeter) Int64Counter(name string, opts ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	if name == m.fail {
		return nil, errInstrument
	}
	return m.Meter.Int64Counter(name, opts...)
}

func (m failingMeter) Float64Histogram(name string, opts ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	if name == m.fail {
		return nil, errInstrument
	}
	return m.Meter.Float64Histogram(name, opts...)
}

func TestNewMetricsFailsWithItsProvider(t *testing.T) {
	for _, name := range []string{
		otelobserve.MetricCalls, otelobserve.MetricAttempts, otelobserve.MetricCallDuration,
		otelobserve.MetricDelay, otelobserve.MetricBudgetRefusals,
	} {
		m, err := otelobserve.NewMetrics(failingProvider{fail: name})
		if m != nil || !errors.Is(err, errInstrument) || !strings.HasPrefix(err.Error(), "otelobserve: making "+name+": ") {
			t.Errorf("NewMetrics(provider failing %s) = %v, %v; want nil, %v", name, m, err, errInstrument)
		}
	}
}

func TestMetricsTakesEveryKind(t *testing.T) {
	m, _ := newMetrics(t)
	if got := observe.KindsOf(m); got != observe.All {
		t.Errorf("KindsOf(Metrics) = %v; want %v", got, observe.All)
	}
	if got, want := m.String(), "otelobserve.Metrics"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}
