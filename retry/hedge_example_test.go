package retry_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/reflexio-go/reflexio/retry"
)

// A call that hedges: the first attempt hangs, a hedge answers, and the
// call cancels the first and waits for it before it returns. A delay of 0
// sends both attempts at once; a service would hedge at about its 95th
// percentile of latency.
func ExampleDoHedged() {
	var calls atomic.Int32
	get := func(ctx context.Context) (string, error) {
		if calls.Add(1) == 1 {
			<-ctx.Done() // hangs until the call cancels it
			return "", ctx.Err()
		}
		return "fast answer", nil
	}
	v, err := retry.DoHedged(context.Background(), get, retry.Hedge(0, 2))
	fmt.Println(v, err)
	fmt.Println("attempts:", calls.Load())
	// Output:
	// fast answer <nil>
	// attempts: 2
}

// The value of an attempt that lost the race, such as a response whose
// body must be closed, goes to the function of HedgeRelease before Do
// returns.
func ExampleHedgeRelease() {
	type response struct{ from string }
	var calls atomic.Int32
	get := func(ctx context.Context) (*response, error) {
		if calls.Add(1) == 1 {
			<-ctx.Done()
			return &response{from: "the slow attempt"}, nil // answers anyway, too late
		}
		return &response{from: "the fast attempt"}, nil
	}
	r, err := retry.DoHedged(context.Background(), get, retry.Hedge(0, 2),
		retry.HedgeRelease(func(r *response) { fmt.Println("released", r.from) }))
	fmt.Println("got", r.from, err)
	// Output:
	// released the slow attempt
	// got the fast attempt <nil>
}

// HedgeAdaptive hedges each downstream at its own recent latency: a
// Latencies keeps one Latency per host, which hedges at its fallback until
// it has measured enough attempts, then at their 95th percentile, within
// the floor and the cap. These calls answer at once: their 95th
// percentile is below the floor.
func ExampleHedgeAdaptive() {
	perHost := retry.NewLatencies(retry.LatencyConfig{
		Floor:    10 * time.Millisecond,
		Fallback: 200 * time.Millisecond,
	}, 100)
	api := perHost.For("api.example.com")
	fmt.Println("before any call:", api.Delay())
	get := func(ctx context.Context) (string, error) { return "ok", nil }
	for range 100 {
		retry.DoHedged(context.Background(), get, retry.HedgeAdaptive(api, 2))
	}
	fmt.Println("after 100 quick calls:", api.Delay())
	fmt.Println("another host:", perHost.For("db.example.com").Delay())
	// Output:
	// before any call: 200ms
	// after 100 quick calls: 10ms
	// another host: 200ms
}

// Err checks a LatencyConfig where it is built, rather than at the first
// call that would fail with it.
func ExampleLatency_Err() {
	l := retry.NewLatency(retry.LatencyConfig{Floor: 50 * time.Millisecond, Cap: 20 * time.Millisecond})
	err := l.Err()
	fmt.Println(err)
	fmt.Println(errors.Is(err, retry.ErrInvalidOption))
	fmt.Println(retry.NewLatency(retry.LatencyConfig{}).Err())
	// Output:
	// retry: Latency: Cap 20ms must not be below Floor 50ms
	// true
	// <nil>
}
