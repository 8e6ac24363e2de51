package otelobserve_test

import (
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/observe/otelobserve"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// TestMetricsOfABreaker follows a real breaker through its states, and a
// refused attempt.
func TestMetricsOfABreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, r := newMetrics(t)
		b := breaker.New(breaker.Config{Name: "users", ConsecutiveFailures: 2, Subscribers: []observe.Subscriber{m}})
		users := attribute.NewSet(otelobserve.BreakerKey.String("users"))
		state := func(s observe.BreakerState) metricdata.Metrics {
			return metricdata.Metrics{
				Name: otelobserve.MetricBreakerState, Unit: "{state}", Description: "State of each circuit breaker: 0 closed, 1 open, 2 half-open.",
				Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{{Attributes: users, Value: int64(s)}}},
			}
		}
		transition := func(to, reason string) metricdata.DataPoint[int64] {
			return count(attribute.NewSet(otelobserve.BreakerKey.String("users"), otelobserve.BreakerStateKey.String(to), otelobserve.BreakerReasonKey.String(reason)), 1)
		}
		const descTransitions = "Changes of state of circuit breakers, by the state reached and why."

		for range 2 {
			p, _ := b.Allow()
			p.Failure(classify.ServerError, 0)
		}
		want := scope(state(observe.BreakerOpen), counter(otelobserve.MetricBreakerTransitions, "{transition}", descTransitions, transition("open", "consecutive_failures")))
		metricdatatest.AssertEqual(t, want, collect(t, r), metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())

		m.Handle(t.Context(), observe.BreakerRejected{Operation: "users.get", Attempt: 1, Breaker: "users", Wait: time.Second})
		time.Sleep(5 * time.Second)
		p, err := b.Allow()
		if err != nil {
			t.Fatal(err)
		}
		p.Success()
		want = scope(
			state(observe.BreakerClosed),
			counter(otelobserve.MetricBreakerTransitions, "{transition}", descTransitions,
				transition("open", "consecutive_failures"), transition("half_open", "break_elapsed"), transition("closed", "probes_succeeded")),
			counter(otelobserve.MetricBreakerRejections, "{attempt}", "Attempts that an open circuit breaker refused.",
				count(attribute.NewSet(otelobserve.OperationKey.String("users.get"), otelobserve.BreakerKey.String("users")), 1)),
		)
		metricdatatest.AssertEqual(t, want, collect(t, r), metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	})
}
