package classify_test

import (
	"strings"
	"testing"

	"github.com/reflexio-go/reflexio/classify"
)

func TestClass(t *testing.T) {
	tests := []struct {
		name      string
		class     classify.Class
		str       string
		retryable bool
	}{
		{"zero value is Unknown", 0, "Unknown", true},
		{"unknown is retried", classify.Unknown, "Unknown", true},
		{"permanent is never retried", classify.Permanent, "Permanent", false},
		{"concurrency", classify.Concurrency, "Concurrency", true},
		{"rate limit", classify.RateLimit, "RateLimit", true},
		{"server error", classify.ServerError, "ServerError", true},
		{"transient", classify.Transient, "Transient", true},
		{"first value past the constants", classify.Class(classify.NumClasses), "Class(6)", false},
		{"invented value", classify.Class(42), "Class(42)", false},
		{"largest value", classify.Class(255), "Class(255)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.class.String(); got != tt.str {
				t.Errorf("Class(%d).String() = %q; want %q", uint8(tt.class), got, tt.str)
			}
			if got := tt.class.Retryable(); got != tt.retryable {
				t.Errorf("%v.Retryable() = %v; want %v", tt.class, got, tt.retryable)
			}
		})
	}
}

func TestNumClassesCoversEveryConstant(t *testing.T) {
	seen := map[string]bool{}
	for c := range classify.Class(classify.NumClasses) {
		name := c.String()
		if name == "" || strings.HasPrefix(name, "Class(") {
			t.Errorf("Class(%d).String() = %q; want a constant's name", uint8(c), name)
		}
		if seen[name] {
			t.Errorf("Class(%d).String() = %q; want a name no other class has", uint8(c), name)
		}
		seen[name] = true
	}
}
