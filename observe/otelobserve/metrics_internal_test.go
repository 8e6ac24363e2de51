package otelobserve

import (
	"strconv"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/reflexio-go/reflexio/observe"
)

func TestMetricsKeepsAtMostMaxCachedSets(t *testing.T) {
	r := sdkmetric.NewManualReader()
	m, err := NewMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxCached + 10 {
		e := observe.Success{Operation: "op" + strconv.Itoa(i), Attempt: 1}
		m.Handle(t.Context(), e)
		m.Handle(t.Context(), e) // a set seen before is not counted again
	}
	if got := m.cached.Load(); got != maxCached {
		t.Errorf("cached sets = %d; want %d", got, maxCached)
	}
	n := 0
	m.sets.Range(func(any, any) bool { n++; return true })
	if n != maxCached {
		t.Errorf("sets kept = %d; want %d", n, maxCached)
	}

	// Past the bound, events are still counted.
	var rm metricdata.ResourceMetrics
	if err := r.Collect(t.Context(), &rm); err != nil {
		t.Fatal(err)
	}
	last := "op" + strconv.Itoa(maxCached+9)
	got := int64(-1)
	for _, mm := range rm.ScopeMetrics[0].Metrics {
		if mm.Name != MetricCalls {
			continue
		}
		for _, p := range mm.Data.(metricdata.Sum[int64]).DataPoints {
			if op, _ := p.Attributes.Value(OperationKey); op.AsString() == last {
				got = p.Value
			}
		}
	}
	if got != 2 {
		t.Errorf("calls of %s = %d; want 2", last, got)
	}
}
