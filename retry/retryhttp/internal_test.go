package retryhttp

import (
	"net/url"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/retry"
)

func TestDestination(t *testing.T) {
	tests := []struct{ url, want string }{
		{"http://example.com/a?b", "http://example.com:80"},
		{"HTTPS://Example.COM/", "https://example.com:443"},
		{"http://example.com:8080", "http://example.com:8080"},
		{"https://[::1]/x", "https://[::1]:443"},
		{"https://[::1]:8443/x", "https://[::1]:8443"},
		{"ftp://example.com", "ftp://example.com:"},
		{"http://user:pass@example.com", "http://example.com:80"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := destination(u); got != tt.want {
			t.Errorf("destination(%q) = %q; want %q", tt.url, got, tt.want)
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
