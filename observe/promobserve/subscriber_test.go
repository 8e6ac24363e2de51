package promobserve_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/observe/promobserve"
	"github.com/reflexio-go/reflexio/retry"
)

// newSubscriber returns a Subscriber registered with a registry of its own,
// and the registry.
func newSubscriber(t *testing.T) (*promobserve.Subscriber, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	s, err := promobserve.New(reg)
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	return s, reg
}

// The help texts, as the exposition writes them.
const (
	headCalls = `# HELP reflexio_retry_calls_total Retry calls that ended, by outcome.
# TYPE reflexio_retry_calls_total counter
`
	headAttempts = `# HELP reflexio_retry_attempts_total Attempts made by retry calls that ended, by the call's outcome.
# TYPE reflexio_retry_attempts_total counter
`
	headDuration = `# HELP reflexio_retry_call_duration_seconds Duration of retry calls, waits included, by outcome.
# TYPE reflexio_retry_call_duration_seconds histogram
`
	headDelay = `# HELP reflexio_retry_delay_seconds Wait before each retry, by the class of the failure retried.
# TYPE reflexio_retry_delay_seconds histogram
`
	headRefusals = `# HELP reflexio_retry_budget_refusals_total Retries that a retry budget refused, ending their call.
# TYPE reflexio_retry_budget_refusals_total counter
`
)

// bounds are the bucket boundaries that the histograms should have.
var bounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

// histogram returns the exposition of one histogram series, labelled
// labels, that observed values.
func histogram(name, labels string, values ...float64) string {
	var b strings.Builder
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	for _, le := range bounds {
		n := 0
		for _, v := range values {
			if v <= le {
				n++
			}
		}
		fmt.Fprintf(&b, "%s_bucket{%s,le=%q} %d\n", name, labels, strconv.FormatFloat(le, 'g', -1, 64), n)
	}
	fmt.Fprintf(&b, "%s_bucket{%s,le=\"+Inf\"} %d\n", name, labels, len(values))
	fmt.Fprintf(&b, "%s_sum{%s} %v\n", name, labels, sum)
	fmt.Fprintf(&b, "%s_count{%s} %d\n", name, labels, len(values))
	return b.String()
}

func TestMetricsOfScriptedCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, reg := newSubscriber(t)
		script(t.Context(), s)

		const (
			usersOK        = `class="",operation="users.get",outcome="success"`
			usersPermanent = `class="Permanent",operation="users.get",outcome="permanent_failure"`
			ordersMax      = `class="ServerError",operation="orders.list",outcome="max_attempts_exceeded"`
			ordersBudget   = `class="Transient",operation="orders.list",outcome="budget_exhausted"`
			ordersCancel   = `class="",operation="orders.list",outcome="cancelled"`
			ordersDeadline = `class="Transient",operation="orders.list",outcome="deadline_exceeded"`
			unnamedUnknown = `class="Unknown",operation="",outcome="max_unknown_attempts_exceeded"`
		)
		const duration = "reflexio_retry_call_duration_seconds"
		const delay = "reflexio_retry_delay_seconds"
		want := headCalls + `reflexio_retry_calls_total{` + usersOK + `} 1
reflexio_retry_calls_total{` + usersPermanent + `} 1
reflexio_retry_calls_total{` + ordersMax + `} 1
reflexio_retry_calls_total{` + ordersBudget + `} 1
reflexio_retry_calls_total{` + ordersCancel + `} 1
reflexio_retry_calls_total{` + ordersDeadline + `} 1
reflexio_retry_calls_total{` + unnamedUnknown + `} 1
` + headAttempts + `reflexio_retry_attempts_total{` + usersOK + `} 3
reflexio_retry_attempts_total{` + usersPermanent + `} 1
reflexio_retry_attempts_total{` + ordersMax + `} 2
reflexio_retry_attempts_total{` + ordersBudget + `} 2
reflexio_retry_attempts_total{` + ordersCancel + `} 0
reflexio_retry_attempts_total{` + ordersDeadline + `} 2
reflexio_retry_attempts_total{` + unnamedUnknown + `} 2
` + headDuration +
			histogram(duration, usersOK, 2) +
			histogram(duration, usersPermanent, 0) +
			histogram(duration, ordersMax, 1) +
			histogram(duration, ordersBudget, 1) +
			histogram(duration, ordersCancel, 0) +
			histogram(duration, ordersDeadline, 1) +
			histogram(duration, unnamedUnknown, 1) +
			headDelay +
			histogram(delay, `class="Transient",operation="users.get"`, 1, 1) +
			histogram(delay, `class="ServerError",operation="orders.list"`, 1) +
			histogram(delay, `class="Transient",operation="orders.list"`, 1, 1) +
			histogram(delay, `class="Unknown",operation=""`, 1) +
			headRefusals + `reflexio_retry_budget_refusals_total{class="Transient",operation="orders.list"} 1
`
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
			t.Error(err)
		}
	})
}

// samples returns what reg gathers, one line per sample, sorted: the value
// of each counter, and the count and sum of each histogram.
func samples(t *testing.T, reg prometheus.Gatherer) []string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather = %v", err)
	}
	var lines []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			series := mf.GetName() + "{" + strings.Join(labels, ",") + "}"
			if h := m.GetHistogram(); h != nil {
				lines = append(lines, fmt.Sprintf("%s count=%d sum=%v", series, h.GetSampleCount(), h.GetSampleSum()))
			} else if g := m.GetGauge(); g != nil {
				lines = append(lines, fmt.Sprintf("%s %v", series, g.GetValue()))
			} else {
				lines = append(lines, fmt.Sprintf("%s %v", series, m.GetCounter().GetValue()))
			}
		}
	}
	slices.Sort(lines)
	return lines
}

// Each event type, handed to Handle directly: the samples it adds.
func TestMetricsOfEachEvent(t *testing.T) {
	const op = "users.get"
	tests := []struct {
		name string
		e    observe.Event
		want []string
	}{
		{"success", observe.Success{Operation: op, Attempt: 2, Elapsed: time.Second}, []string{
			`reflexio_retry_attempts_total{class="",operation="users.get",outcome="success"} 2`,
			`reflexio_retry_call_duration_seconds{class="",operation="users.get",outcome="success"} count=1 sum=1`,
			`reflexio_retry_calls_total{class="",operation="users.get",outcome="success"} 1`,
		}},
		{"retry", observe.Retry{Operation: op, Attempt: 2, Class: classify.RateLimit, Err: errReset, Delay: 3 * time.Second, Elapsed: time.Second}, []string{
			`reflexio_retry_delay_seconds{class="RateLimit",operation="users.get"} count=1 sum=3`,
		}},
		{"permanent failure", observe.PermanentFailure{Operation: op, Attempt: 2, Class: classify.Permanent, Err: errBad, Elapsed: time.Second}, []string{
			`reflexio_retry_attempts_total{class="Permanent",operation="users.get",outcome="permanent_failure"} 2`,
			`reflexio_retry_call_duration_seconds{class="Permanent",operation="users.get",outcome="permanent_failure"} count=1 sum=1`,
			`reflexio_retry_calls_total{class="Permanent",operation="users.get",outcome="permanent_failure"} 1`,
		}},
		{"max attempts", observe.MaxAttemptsExceeded{Operation: op, Attempt: 2, Class: classify.ServerError, Err: errInternal, Elapsed: time.Second}, []string{
			`reflexio_retry_attempts_total{class="ServerError",operation="users.get",outcome="max_attempts_exceeded"} 2`,
			`reflexio_retry_call_duration_seconds{class="ServerError",operation="users.get",outcome="max_attempts_exceeded"} count=1 sum=1`,
			`reflexio_retry_calls_total{class="ServerError",operation="users.get",outcome="max_attempts_exceeded"} 1`,
		}},
		{"max unknown attempts", observe.MaxUnknownAttemptsExceeded{Operation: op, Attempt: 2, Class: classify.Unknown, Err: errOdd, Elapsed: time.Second}, []string{
			`reflexio_retry_attempts_total{class="Unknown",operation="users.get",outcome="max_unknown_attempts_exceeded"} 2`,
			`reflexio_retry_call_duration_seconds{class="Unknown",operation="users.get",outcome="max_unknown_attempts_exceeded"} count=1 sum=1`,
			`reflexio_retry_calls_total{class="Unknown",operation="users.get",outcome="max_unknown_attempts_exceeded"} 1`,
		}},
		{"max class attempts", observe.MaxClassAttemptsExceeded{Operation: op, Attempt: 2, Class: classify.Concurrency, Err: errOdd, Elapsed: time.Second}, []string{
			`reflexio_retry_attempts_total{class="Concurrency",operation="users.get",outcome="max_class_attempts_exceeded"} 2`,
			`reflexio_retry_call_duration_seconds{class="Concurrency",operation="users.get",outcome="max_class_attempts_exceeded"} count=1 sum=1`,
			`reflexio_retry_calls_total{class="Concurrency",operation="users.get",outcome="max_class_attempts_exceeded"} 1`,
		}},
		{"deadline after a failed attempt", observe.DeadlineExceeded{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second}, []string{
			`reflexio_retry_attempts_total{class="Transient",operation="users.get",outcome="deadline_exceeded"} 2`,
			`reflexio_retry_call_duration_seconds{class="Transient",operation="users.get",outcome="deadline_exceeded"} count=1 sum=1`,
			`reflexio_retry_calls_total{class="Transient",operation="users.get",outcome="deadline_exceeded"} 1`,
		}},
		{"deadline before any attempt", observe.DeadlineExceeded{Operation: op, Class: classify.Unknown, Cause: context.DeadlineExceeded, Elapsed: time.Second}, []string{
			`reflexio_retry_attempts_total{class="",operation="users.get",outcome="deadline_exceeded"} 0`,
			`reflexio_retry_call_duration_seconds{class="",operation="users.get",outcome="deadline_exceeded"} count=1 sum=1`,
			`reflexio_retry_calls_total{class="",operation="users.get",outcome="deadline_exceeded"} 1`,
		}},
		{"budget exhausted", observe.BudgetExhausted{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second}, []string{
			`reflexio_retry_attempts_total{class="Transient",operation="users.get",outcome="budget_exhausted"} 2`,
			`reflexio_retry_budget_refusals_total{class="Transient",operation="users.get"} 1`,
			`reflexio_retry_call_duration_seconds{class="Transient",operation="users.get",outcome="budget_exhausted"} count=1 sum=1`,
			`reflexio_retry_calls_total{class="Transient",operation="users.get",outcome="budget_exhausted"} 1`,
		}},
		{"cancelled after a failed attempt", observe.Cancelled{Operation: op, Attempt: 2, Class: classify.Transient, Err: errReset, Cause: context.Canceled, Elapsed: time.Second}, []string{
			`reflexio_retry_attempts_total{class="Transient",operation="users.get",outcome="cancelled"} 2`,
			`reflexio_retry_call_duration_seconds{class="Transient",operation="users.get",outcome="cancelled"} count=1 sum=1`,
			`reflexio_retry_calls_total{class="Transient",operation="users.get",outcome="cancelled"} 1`,
		}},
		{"cancelled before any attempt", observe.Cancelled{Operation: op, Class: classify.Unknown, Cause: context.Canceled, Elapsed: time.Second}, []string{
			`reflexio_retry_attempts_total{class="",operation="users.get",outcome="cancelled"} 0`,
			`reflexio_retry_call_duration_seconds{class="",operation="users.get",outcome="cancelled"} count=1 sum=1`,
			`reflexio_retry_calls_total{class="",operation="users.get",outcome="cancelled"} 1`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, reg := newSubscriber(t)
			s.Handle(t.Context(), tt.e)
			if diff := cmp.Diff(tt.want, samples(t, reg)); diff != "" {
				t.Errorf("Handle(%v) samples (-want +got):\n%s", tt.e, diff)
			}
		})
	}
}

func TestSubscriberSharedByConcurrentCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, reg := newSubscriber(t)
		opts := retry.Options(retry.Name("users.get"), retry.Backoff(backoff.Constant(time.Second)), retry.Subscribe(s))
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
		want := []string{
			`reflexio_retry_attempts_total{class="",operation="users.get",outcome="success"} 400`,
			`reflexio_retry_call_duration_seconds{class="",operation="users.get",outcome="success"} count=200 sum=200`,
			`reflexio_retry_calls_total{class="",operation="users.get",outcome="success"} 200`,
			`reflexio_retry_delay_seconds{class="Transient",operation="users.get"} count=200 sum=200`,
		}
		if diff := cmp.Diff(want, samples(t, reg)); diff != "" {
			t.Errorf("samples (-want +got):\n%s", diff)
		}
	})
}

func TestNewRegistersAllOrNothing(t *testing.T) {
	reg := prometheus.NewRegistry()
	// A metric of one of the Subscriber's names, of another type.
	taken := prometheus.NewGauge(prometheus.GaugeOpts{Name: promobserve.MetricDelay, Help: "taken"})
	reg.MustRegister(taken)

	s, err := promobserve.New(reg)
	if s != nil || err == nil || !strings.HasPrefix(err.Error(), "promobserve: ") {
		t.Fatalf("New(registry with %s taken) = %v, %v; want nil and an error", promobserve.MetricDelay, s, err)
	}
	// The registry is as it was: Subscriber's other metrics are not there.
	if got := samples(t, reg); !slices.Equal(got, []string{"reflexio_retry_delay_seconds{} 0"}) {
		t.Errorf("samples after a failed New = %v; want the gauge alone", got)
	}
}

func TestNewTwiceOnOneRegistryFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := promobserve.New(reg); err != nil {
		t.Fatalf("New = %v", err)
	}
	_, err := promobserve.New(reg)
	var already prometheus.AlreadyRegisteredError
	if !errors.As(err, &already) {
		t.Errorf("New a second time = %v; want a prometheus.AlreadyRegisteredError", err)
	}
}

func TestUnregisterRemovesEveryMetric(t *testing.T) {
	s, reg := newSubscriber(t)
	s.Handle(t.Context(), observe.BudgetExhausted{Operation: "users.get", Attempt: 2, Class: classify.Transient, Err: errReset})
	s.Handle(t.Context(), observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset})
	if n := len(samples(t, reg)); n != 5 {
		t.Fatalf("%d samples; want 5", n)
	}
	if !reg.Unregister(s) {
		t.Fatal("Unregister = false; want true")
	}
	if got := samples(t, reg); got != nil {
		t.Errorf("samples after Unregister = %v; want none", got)
	}
}

func TestNewUsesTheDefaultRegistererForNil(t *testing.T) {
	reg := prometheus.NewRegistry()
	prev := prometheus.DefaultRegisterer
	prometheus.DefaultRegisterer = reg
	t.Cleanup(func() { prometheus.DefaultRegisterer = prev })

	s, err := promobserve.New(nil)
	if err != nil {
		t.Fatalf("New(nil) = %v", err)
	}
	s.Handle(t.Context(), observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second})
	want := []string{`reflexio_retry_delay_seconds{class="Transient",operation="users.get"} count=1 sum=1`}
	if diff := cmp.Diff(want, samples(t, reg)); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
}

func TestSubscriberTakesEveryKind(t *testing.T) {
	s, _ := newSubscriber(t)
	if got := observe.KindsOf(s); got != observe.All {
		t.Errorf("KindsOf(Subscriber) = %v; want %v", got, observe.All)
	}
	if got, want := s.String(), "promobserve.Subscriber"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}
