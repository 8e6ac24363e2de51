package decimal

import (
	"math"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		s    string
		unit time.Duration
		want time.Duration
		ok   bool
	}{
		{"0", time.Second, 0, true},
		{"120", time.Second, 120 * time.Second, true},
		{"007", time.Millisecond, 7 * time.Millisecond, true},
		{"9223372036", time.Second, 9223372036 * time.Second, true},
		{"9223372037", time.Second, math.MaxInt64, true}, // go-retryablehttp PR #297
		{"99999999999999999999999999", time.Second, math.MaxInt64, true},
		{"9223372036854", time.Millisecond, 9223372036854 * time.Millisecond, true},
		{"9223372036855", time.Millisecond, math.MaxInt64, true},
		{"9223372036854775807", time.Nanosecond, math.MaxInt64, true},
		{"9223372036854775808", time.Nanosecond, math.MaxInt64, true},
		{"", time.Second, 0, false},
		{"-1", time.Second, 0, false},
		{"+5", time.Second, 0, false},
		{"1.5", time.Second, 0, false},
		{"5s", time.Second, 0, false},
		{" 5", time.Second, 0, false},
	}
	for _, tt := range tests {
		got, ok := Duration(tt.s, tt.unit)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Duration(%q, %v) = %v, %v; want %v, %v", tt.s, tt.unit, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzDuration(f *testing.F) {
	for _, s := range []string{"0", "120", "9223372037", "99999999999999999999", "-1", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, unit := range []time.Duration{time.Nanosecond, time.Millisecond, time.Second} {
			d, ok := Duration(s, unit)
			if d < 0 {
				t.Fatalf("Duration(%q, %v) = %v: negative", s, unit, d)
			}
			if !ok && d != 0 {
				t.Fatalf("Duration(%q, %v) = %v, false; want 0", s, unit, d)
			}
		}
	})
}
