package retrygrpc

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/reflexio-go/reflexio/retry"
)

func TestHedgeable(t *testing.T) {
	b := []byte("abc")
	tests := []struct {
		name  string
		reply any
		want  bool
	}{
		{"a message", wrapperspb.String("x"), true},
		{"a message of the first API", &legacy{}, true},
		{"a nil message", (*wrapperspb.StringValue)(nil), false},
		{"a nil message of the first API", (*legacy)(nil), false},
		{"bytes", &b, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		m, ok := hedgeable(tt.reply)
		if ok != tt.want {
			t.Errorf("hedgeable(%s) = %v; want %v", tt.name, ok, tt.want)
		}
		if ok {
			if typ := m.ProtoReflect().Type(); typ.New().Interface() == nil {
				t.Errorf("hedgeable(%s): its type makes no new message", tt.name)
			}
		}
	}
}

func TestHedgeString(t *testing.T) {
	tests := []struct {
		opt  Option
		want string
	}{
		{Hedge(50*time.Millisecond, 2), "Hedge(50ms, 2)"},
		{HedgeAdaptive(retry.LatencyConfig{}, 3), "HedgeAdaptive({}, 3)"},
		{HedgeAdaptive(retry.LatencyConfig{Quantile: 0.99, Window: time.Minute, MinSamples: 50, Floor: time.Millisecond, Cap: 200 * time.Millisecond, Fallback: 100 * time.Millisecond}, 2),
			"HedgeAdaptive({Quantile:0.99 Window:1m0s MinSamples:50 Floor:1ms Cap:200ms Fallback:100ms}, 2)"},
	}
	for _, tt := range tests {
		if got := tt.opt.String(); got != tt.want {
			t.Errorf("String() = %q; want %q", got, tt.want)
		}
	}
}
