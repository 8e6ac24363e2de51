package observe_test

import (
	"math"
	"testing"

	"github.com/reflexio-go/reflexio/observe"
)

func TestBreakerStateString(t *testing.T) {
	tests := []struct {
		s    observe.BreakerState
		want string
	}{
		{observe.BreakerClosed, "closed"},
		{observe.BreakerOpen, "open"},
		{observe.BreakerHalfOpen, "half_open"},
		{observe.BreakerHalfOpen + 1, "BreakerState(3)"},
		{math.MaxUint8, "BreakerState(255)"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("BreakerState(%d).String() = %q; want %q", uint8(tt.s), got, tt.want)
		}
	}
	var zero observe.BreakerState
	if zero != observe.BreakerClosed {
		t.Errorf("the zero BreakerState is %v; want closed", zero)
	}
}

func TestBreakerReasonString(t *testing.T) {
	tests := []struct {
		r    observe.BreakerReason
		want string
	}{
		{0, "BreakerReason(0)"},
		{observe.BreakerFailureRatio, "failure_ratio"},
		{observe.BreakerConsecutiveFailures, "consecutive_failures"},
		{observe.BreakerRetryAfter, "retry_after"},
		{observe.BreakerBreakElapsed, "break_elapsed"},
		{observe.BreakerProbeFailed, "probe_failed"},
		{observe.BreakerProbesSucceeded, "probes_succeeded"},
		{observe.BreakerProbesSucceeded + 1, "BreakerReason(7)"},
		{math.MaxUint8, "BreakerReason(255)"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("BreakerReason(%d).String() = %q; want %q", uint8(tt.r), got, tt.want)
		}
	}
}
