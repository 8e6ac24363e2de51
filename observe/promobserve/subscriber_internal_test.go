package promobserve

import (
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/reflexio-go/reflexio/observe"
)

func TestSubscriberKeepsAtMostMaxCachedSeries(t *testing.T) {
	s, err := New(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxCached + 10 {
		e := observe.Success{Operation: "op" + strconv.Itoa(i), Attempt: 1}
		s.Handle(t.Context(), e)
		s.Handle(t.Context(), e) // a series seen before is not counted again
	}
	if got := s.cached.Load(); got != maxCached {
		t.Errorf("cached series = %d; want %d", got, maxCached)
	}
	n := 0
	s.series.Range(func(any, any) bool { n++; return true })
	if n != maxCached {
		t.Errorf("series kept = %d; want %d", n, maxCached)
	}
	// Past the bound, events are still counted.
	last := "op" + strconv.Itoa(maxCached+9)
	if got := testutil.ToFloat64(s.calls.WithLabelValues(last, "success", "")); got != 2 {
		t.Errorf("calls of %s = %v; want 2", last, got)
	}
}
