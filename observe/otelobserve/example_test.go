package otelobserve_test

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe/otelobserve"
	"github.com/reflexio-go/reflexio/retry"
)

// flaky returns an operation that fails with a Transient error n times, and
// then succeeds.
func flaky(n int) func(context.Context) error {
	return func(context.Context) error {
		if n > 0 {
			n--
			return classify.MarkTransient(errors.New("connection reset"))
		}
		return nil
	}
}

// The examples wait zero between attempts, so that they run at once; real
// code keeps the default jittered backoff.
var noWait = retry.Backoff(backoff.Constant(0))

func ExampleNewMetrics() {
	// A program passes the MeterProvider it exports with; this one reads
	// what was recorded by hand.
	reader := sdkmetric.NewManualReader()
	metrics, err := otelobserve.NewMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	if err != nil {
		panic(err)
	}
	users := retry.Options(retry.Name("users.get"), noWait, retry.Subscribe(metrics))

	ctx := context.Background()
	_ = retry.Run(ctx, flaky(2), users) // succeeds at the third attempt
	_ = retry.Run(ctx, func(context.Context) error {
		return classify.MarkPermanent(errors.New("no such user"))
	}, users)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	var lines []string
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch data := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, p := range data.DataPoints {
				lines = append(lines, fmt.Sprintf("%s{%s} %d", m.Name, encode(p.Attributes), p.Value))
			}
		case metricdata.Histogram[float64]:
			for _, p := range data.DataPoints {
				lines = append(lines, fmt.Sprintf("%s{%s} count=%d", m.Name, encode(p.Attributes), p.Count))
			}
		}
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// reflexio.retry.attempts{error.type=Permanent,reflexio.operation.name=users.get,reflexio.outcome=permanent_failure} 1
	// reflexio.retry.attempts{reflexio.operation.name=users.get,reflexio.outcome=success} 3
	// reflexio.retry.call.duration{error.type=Permanent,reflexio.operation.name=users.get,reflexio.outcome=permanent_failure} count=1
	// reflexio.retry.call.duration{reflexio.operation.name=users.get,reflexio.outcome=success} count=1
	// reflexio.retry.calls{error.type=Permanent,reflexio.operation.name=users.get,reflexio.outcome=permanent_failure} 1
	// reflexio.retry.calls{reflexio.operation.name=users.get,reflexio.outcome=success} 1
	// reflexio.retry.delay{error.type=Transient,reflexio.operation.name=users.get} count=2
}

func encode(s attribute.Set) string { return s.Encoded(attribute.DefaultEncoder()) }

func ExampleSpanEvents() {
	// A program passes the TracerProvider it exports with; this one keeps
	// the spans that end.
	spans := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)).Tracer("example")

	ctx, span := tracer.Start(context.Background(), "GET /users/42")
	_ = retry.Run(ctx, flaky(2), retry.Name("users.get"), noWait,
		retry.Subscribe(otelobserve.SpanEvents{}))
	span.End()

	for _, e := range spans.Ended()[0].Events() {
		fmt.Printf("%s %s\n", e.Name, encode(attribute.NewSet(e.Attributes...)))
	}
	// Output:
	// reflexio.retry error.type=Transient,reflexio.attempt=1,reflexio.delay=0,reflexio.error.message=connection reset,reflexio.operation.name=users.get
	// reflexio.retry error.type=Transient,reflexio.attempt=2,reflexio.delay=0,reflexio.error.message=connection reset,reflexio.operation.name=users.get
	// reflexio.success reflexio.attempt=3,reflexio.operation.name=users.get
}
