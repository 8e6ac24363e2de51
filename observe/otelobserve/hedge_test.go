package otelobserve_test

import (
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/observe/otelobserve"
)

// TestMetricsOfHedges counts the hedges started, the rounds a hedge won
// (not those its round's first attempt won) and the losers cancelled.
func TestMetricsOfHedges(t *testing.T) {
	m, r := newMetrics(t)
	for _, e := range []observe.Event{
		observe.HedgeStarted{Operation: "users.get", Attempt: 2, InFlight: 2, Elapsed: 50 * time.Millisecond},
		observe.HedgeStarted{Operation: "users.get", Attempt: 3, InFlight: 3, Elapsed: 100 * time.Millisecond},
		observe.HedgeWon{Operation: "users.get", Attempt: 3, Hedge: true, Elapsed: 110 * time.Millisecond},
		observe.HedgeCancelled{Operation: "users.get", Attempt: 3, Losers: 2, Elapsed: 110 * time.Millisecond},
		observe.HedgeWon{Operation: "users.get", Attempt: 1, Hedge: false, Elapsed: 60 * time.Millisecond},
	} {
		m.Handle(t.Context(), e)
	}
	event := func(kind string, n int64) metricdata.DataPoint[int64] {
		return count(attribute.NewSet(otelobserve.OperationKey.String("users.get"), otelobserve.HedgeEventKey.String(kind)), n)
	}
	want := scope(counter(otelobserve.MetricHedges, "{attempt}",
		"Hedges of hedged calls: started, rounds a hedge won, attempts cancelled as losers.",
		event("hedge_started", 2), event("hedge_won", 1), event("hedge_cancelled", 2)))
	metricdatatest.AssertEqual(t, want, collect(t, r), metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}
