package promobserve_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe/promobserve"
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

// The example waits zero between attempts, so that it runs at once; real
// code keeps the default jittered backoff.
var noWait = retry.Backoff(backoff.Constant(0))

// A program registers the Subscriber with the registry it serves on
// /metrics, and subscribes it to the calls it should count. This one
// serves on a loopback port of its own choosing, and scrapes itself once.
func Example() {
	reg := prometheus.NewRegistry()
	metrics, err := promobserve.New(reg)
	if err != nil {
		panic(err)
	}
	users := retry.Options(retry.Name("users.get"), noWait, retry.Subscribe(metrics))

	ctx := context.Background()
	_ = retry.Run(ctx, flaky(2), users) // succeeds at the third attempt
	_ = retry.Run(ctx, func(context.Context) error {
		return classify.MarkPermanent(errors.New("no such user"))
	}, users)

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	server := httptest.NewServer(mux) // on 127.0.0.1; a program would call http.ListenAndServe
	defer server.Close()

	resp, err := http.Get(server.URL + "/metrics")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	// The durations vary from run to run: print the counters, and how many
	// retries waited.
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		l := lines.Text()
		if strings.HasPrefix(l, "reflexio_retry_calls_total{") ||
			strings.HasPrefix(l, "reflexio_retry_attempts_total{") ||
			strings.HasPrefix(l, "reflexio_retry_delay_seconds_count{") {
			fmt.Println(l)
		}
	}
	// Output:
	// reflexio_retry_attempts_total{class="",operation="users.get",outcome="success"} 3
	// reflexio_retry_attempts_total{class="Permanent",operation="users.get",outcome="permanent_failure"} 1
	// reflexio_retry_calls_total{class="",operation="users.get",outcome="success"} 1
	// reflexio_retry_calls_total{class="Permanent",operation="users.get",outcome="permanent_failure"} 1
	// reflexio_retry_delay_seconds_count{class="Transient",operation="users.get"} 2
}

// Buckets sets the bounds of the buckets of both histograms: here, for
// calls of a service whose retries wait about a second.
func ExampleBuckets() {
	reg := prometheus.NewRegistry()
	metrics, err := promobserve.New(reg, promobserve.Buckets(0.5, 1, 2, 4))
	if err != nil {
		panic(err)
	}
	_ = retry.Run(context.Background(), flaky(1), noWait, retry.Subscribe(metrics))

	mfs, err := reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != promobserve.MetricCallDuration {
			continue
		}
		for _, b := range mf.GetMetric()[0].GetHistogram().GetBucket() {
			fmt.Printf("le=%v: %d\n", b.GetUpperBound(), b.GetCumulativeCount())
		}
	}

	_, err = promobserve.New(prometheus.NewRegistry(), promobserve.Buckets(1, 0.5))
	fmt.Println(err)
	fmt.Println(errors.Is(err, retry.ErrInvalidOption))
	// Output:
	// le=0.5: 1
	// le=1: 1
	// le=2: 1
	// le=4: 1
	// promobserve: promobserve.Buckets(1, 0.5): bound 0.5 follows 1; want them strictly increasing
	// true
}
