package integration

import (
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/retry"
)

func TestHedgeString(t *testing.T) {
	tests := []struct {
		h    Hedge
		want string
	}{
		{Hedge{Delay: 50 * time.Millisecond, Max: 2}, "Hedge(50ms, 2)"},
		{Hedge{Max: 3, Adaptive: true}, "HedgeAdaptive({}, 3)"},
		{Hedge{Max: 2, Adaptive: true, Cfg: retry.LatencyConfig{Quantile: 0.99, Window: time.Minute, MinSamples: 50, Floor: time.Millisecond, Cap: 200 * time.Millisecond, Fallback: 100 * time.Millisecond}},
			"HedgeAdaptive({Quantile:0.99 Window:1m0s MinSamples:50 Floor:1ms Cap:200ms Fallback:100ms}, 2)"},
	}
	for _, tt := range tests {
		if got := tt.h.String(); got != tt.want {
			t.Errorf("String() = %q; want %q", got, tt.want)
		}
	}
}

// TestHedgeCheck: Check gives package retry's own reasons, so that an
// integration's option fails as retry.Hedge and retry.HedgeAdaptive would.
func TestHedgeCheck(t *testing.T) {
	tests := []struct {
		h    Hedge
		want string
	}{
		{Hedge{Delay: 0, Max: 2}, ""},
		{Hedge{Max: 2, Adaptive: true}, ""},
		{Hedge{Delay: -time.Second, Max: 2}, "delay must not be negative"},
		{Hedge{Max: 1}, "max must be at least 2: the first attempt and a hedge"},
		{Hedge{Max: 2, Adaptive: true, Cfg: retry.LatencyConfig{Floor: -time.Millisecond}}, "Floor -1ms must not be negative"},
	}
	for _, tt := range tests {
		if got := tt.h.Check(); got != tt.want {
			t.Errorf("%v.Check() = %q; want %q", tt.h, got, tt.want)
		}
	}
}

// TestHedgerOption: a fixed Hedge gives the same option to every
// downstream; an adaptive one a Latency of each downstream's own.
func TestHedgerOption(t *testing.T) {
	fixed := Hedge{Delay: 10 * time.Millisecond, Max: 2}.Build()
	if a, b := fixed.Option("a"), fixed.Option("b"); a.String() != "Hedge(10ms, 2)" || a != b {
		t.Errorf("fixed: Option(a) = %v, Option(b) = %v; want the one Hedge(10ms, 2)", a, b)
	}
	adaptive := Hedge{Max: 2, Adaptive: true}.Build()
	adaptive.Option("a")
	adaptive.Option("b")
	adaptive.Option("a")
	if n := adaptive.perKey.Len(); n != 2 {
		t.Errorf("adaptive: %d latencies after calls to a, b, a; want 2, one per downstream", n)
	}
}
