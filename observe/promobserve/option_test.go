package promobserve_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/observe/promobserve"
	"github.com/reflexio-go/reflexio/retry"
)

// upperBounds returns the bucket bounds of every histogram that reg
// gathers, by metric name, without +Inf.
func upperBounds(t *testing.T, reg *prometheus.Registry) map[string][]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather = %v", err)
	}
	got := map[string][]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				var b []float64
				for _, bk := range h.GetBucket() {
					b = append(b, bk.GetUpperBound())
				}
				got[mf.GetName()] = b
			}
		}
	}
	return got
}

func TestBucketsSetTheBoundsOfBothHistograms(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		opts []promobserve.Option
		want []float64
	}{
		{"default", nil, bounds},
		{"set", []promobserve.Option{promobserve.Buckets(0.1, 1, 10)}, []float64{0.1, 1, 10}},
		{"one bound", []promobserve.Option{promobserve.Buckets(0.5)}, []float64{0.5}},
		{"the last wins", []promobserve.Option{promobserve.Buckets(1, 2), promobserve.Buckets(3)}, []float64{3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			s, err := promobserve.New(reg, tt.opts...)
			if err != nil {
				t.Fatalf("New(%v) = %v", tt.opts, err)
			}
			s.Handle(t.Context(), observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second})
			s.Handle(t.Context(), observe.Success{Operation: "users.get", Attempt: 2, Elapsed: time.Second})
			got := upperBounds(t, reg)
			for _, name := range []string{promobserve.MetricCallDuration, promobserve.MetricDelay} {
				if !slices.Equal(got[name], tt.want) {
					t.Errorf("New(%v): %s has bounds %v; want %v", tt.opts, name, got[name], tt.want)
				}
			}
		})
	}
}

func TestBucketsKeepsACopy(t *testing.T) {
	t.Parallel()
	b := []float64{1, 2}
	opt := promobserve.Buckets(b...)
	b[0] = 5
	reg := prometheus.NewRegistry()
	s, err := promobserve.New(reg, opt)
	if err != nil {
		t.Fatalf("New(%v) = %v", opt, err)
	}
	s.Handle(t.Context(), observe.Success{Operation: "users.get", Attempt: 1})
	if got := upperBounds(t, reg)[promobserve.MetricCallDuration]; !slices.Equal(got, []float64{1, 2}) {
		t.Errorf("bounds after the caller changed its slice = %v; want [1 2]", got)
	}
}

func TestInvalidBucketsFailNewAndRegisterNothing(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		opt  promobserve.Option
		want string
	}{
		{"none", promobserve.Buckets(), "promobserve: promobserve.Buckets(): no bounds; want at least one"},
		{"zero", promobserve.Buckets(0, 1), "promobserve: promobserve.Buckets(0, 1): bound 0 is not positive"},
		{"negative", promobserve.Buckets(-1), "promobserve: promobserve.Buckets(-1): bound -1 is not positive"},
		{"decreasing", promobserve.Buckets(0.5, 0.1), "promobserve: promobserve.Buckets(0.5, 0.1): bound 0.1 follows 0.5; want them strictly increasing"},
		{"repeated", promobserve.Buckets(1, 1), "promobserve: promobserve.Buckets(1, 1): bound 1 follows 1; want them strictly increasing"},
		{"NaN", promobserve.Buckets(math.NaN()), "promobserve: promobserve.Buckets(NaN): bound NaN is not finite"},
		{"infinite", promobserve.Buckets(1, math.Inf(1)), "promobserve: promobserve.Buckets(1, +Inf): bound +Inf is not finite"},
		{"nil option", nil, "promobserve: nil Option: want an Option such as Buckets(…)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			s, err := promobserve.New(reg, tt.opt)
			if s != nil || err == nil || err.Error() != tt.want || !errors.Is(err, retry.ErrInvalidOption) {
				t.Fatalf("New(%v) = %v, %v; want nil and %q, matching retry.ErrInvalidOption", tt.opt, s, err, tt.want)
			}
			if mfs, _ := reg.Gather(); len(mfs) != 0 {
				t.Errorf("New(%v) failed but registered %d metrics", tt.opt, len(mfs))
			}
		})
	}
}

func TestAnInvalidOptionIsReportedBeforeALaterValidOne(t *testing.T) {
	t.Parallel()
	_, err := promobserve.New(prometheus.NewRegistry(), promobserve.Buckets(2, 1), promobserve.Buckets(1, 2))
	if want := "promobserve: promobserve.Buckets(2, 1): bound 1 follows 2; want them strictly increasing"; err == nil || err.Error() != want {
		t.Errorf("New(Buckets(2, 1), Buckets(1, 2)) = %v; want %q", err, want)
	}
}
