package classify_test

import (
	"math"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// allDigits reports whether s is 1*DIGIT.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// secondsWant is min(s seconds, the largest Duration) for delay-seconds s,
// computed without overflow.
func secondsWant(s string) time.Duration {
	n, _ := new(big.Int).SetString(s, 10)
	n.Mul(n, big.NewInt(int64(time.Second)))
	if n.Cmp(big.NewInt(math.MaxInt64)) > 0 {
		return math.MaxInt64
	}
	return time.Duration(n.Int64())
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, tt := range retryAfterCases {
		f.Add(tt.value)
	}
	// The edges peers got wrong (PITFALLS item 7): overflow into a negative
	// delay, and signs, fractions and exponents read as numbers.
	for _, s := range []string{
		"9223372036", "9223372037", "9223372036854775807", "9223372036854775808",
		"18446744073709551615", "18446744073709551616", "-9223372037", "-0",
		"1e3", "1E3", "0x10", "0o7", "0b1", "1_000", "١", "+0", " ", "\t \t",
		"Fri, 31 Dec 9999 23:59:59 GMT", "Sunday, 06-Nov-94 08:49:37 PST", "Sun Nov  6 08:49:37 1994",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := classify.ParseRetryAfter(s, retryAfterNow)
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v; want no negative wait", s, d, ok)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, false; want 0, false", s, d)
		}

		// Surrounding OWS changes nothing.
		for _, pad := range []string{" ", "\t", " \t  "} {
			pd, pok := classify.ParseRetryAfter(pad+s+pad, retryAfterNow)
			if pd != d || pok != ok {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v as without OWS", pad+s+pad, pd, pok, d, ok)
			}
		}

		v := strings.Trim(s, " \t")
		if allDigits(v) {
			if want := secondsWant(v); d != want || !ok {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, true", s, d, ok, want)
			}
			return
		}

		// Any other value is an HTTP-date as net/http reads it, in GMT.
		hd, herr := http.ParseTime(v)
		if ok {
			if herr != nil {
				t.Fatalf("ParseRetryAfter(%q) = %v, true; but http.ParseTime fails: %v", s, d, herr)
			}
			if want := max(hd.Sub(retryAfterNow), 0); d != want {
				t.Errorf("ParseRetryAfter(%q) = %v, true; want %v as http.ParseTime reads it", s, d, want)
			}
		} else if zone, _ := hd.Zone(); herr == nil && (zone == "GMT" || zone == "UTC") {
			t.Errorf("ParseRetryAfter(%q) = 0, false; want the date http.ParseTime reads: %v", s, hd)
		}
	})
}
