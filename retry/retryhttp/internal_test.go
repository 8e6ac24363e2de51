package retryhttp

import (
	"net/url"
	"testing"
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
