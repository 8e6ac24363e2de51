package classify_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// retryAfterNow is the fixed clock of the Retry-After tests, a Sunday.
var retryAfterNow = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

// retryAfterCases are ParseRetryAfter's exact results at retryAfterNow; the
// fuzz target starts from them.
var retryAfterCases = []struct {
	name   string
	value  string
	want   time.Duration
	wantOK bool
}{
	// delay-seconds
	{"zero seconds", "0", 0, true},
	{"one second", "1", time.Second, true},
	{"two minutes", "120", 2 * time.Minute, true},
	{"spaces around are ignored", " 120 ", 2 * time.Minute, true},
	{"a tab before is ignored", "\t5", 5 * time.Second, true},
	{"tabs and spaces after are ignored", "5 \t ", 5 * time.Second, true},
	{"leading zeros", "007", 7 * time.Second, true},
	{"many leading zeros", "0000000000000000000000000000042", 42 * time.Second, true},
	{"largest whole seconds fit", "9223372036", 9223372036 * time.Second, true},
	{"one second more saturates", "9223372037", math.MaxInt64, true},
	{"a power of ten saturates", "10000000000", math.MaxInt64, true},
	{"uint64 overflow saturates", "18446744073709551616", math.MaxInt64, true},
	{"huge number saturates", "99999999999999999999999", math.MaxInt64, true},
	{"hundred digits saturate", "1" + strings.Repeat("0", 100), math.MaxInt64, true},

	// HTTP-date
	{"IMF-fixdate in the future", "Sun, 01 Mar 2026 12:01:30 GMT", 90 * time.Second, true},
	{"IMF-fixdate now", "Sun, 01 Mar 2026 12:00:00 GMT", 0, true},
	{"IMF-fixdate in the past", "Sun, 01 Mar 2026 11:00:00 GMT", 0, true},
	{"IMF-fixdate with spaces around", "  Sun, 01 Mar 2026 12:00:01 GMT\t", time.Second, true},
	{"IMF-fixdate far in the future saturates", "Fri, 31 Dec 9999 23:59:59 GMT", math.MaxInt64, true},
	{"IMF-fixdate far in the past", "Mon, 01 Jan 0001 00:00:00 GMT", 0, true},
	{"RFC 850 date", "Sunday, 01-Mar-26 12:00:30 GMT", 30 * time.Second, true},
	{"RFC 850 date in UTC", "Sunday, 01-Mar-26 12:00:30 UTC", 30 * time.Second, true},
	{"RFC 850 date in the past", "Sunday, 06-Nov-94 08:49:37 GMT", 0, true},
	{"asctime date", "Sun Mar  1 12:00:45 2026", 45 * time.Second, true},
	{"asctime date with a two-digit day", "Tue Mar 10 12:00:00 2026", 9 * 24 * time.Hour, true},

	// garbage
	{"empty", "", 0, false},
	{"only spaces", "  ", 0, false},
	{"only a tab", "\t", 0, false},
	{"a word", "soon", 0, false},
	{"negative", "-1", 0, false},
	{"plus sign", "+5", 0, false},
	{"fraction", "1.5", 0, false},
	{"hex", "0x10", 0, false},
	{"exponent", "1e3", 0, false},
	{"unit", "5s", 0, false},
	{"two numbers", "1 2", 0, false},
	{"a list", "120, 60", 0, false},
	{"newline around is not OWS", "\n5", 0, false},
	{"non-breaking space around is not OWS", "5\u00a0", 0, false},
	{"non-ASCII digits", "١٢٠", 0, false},
	{"garbage after saturating digits", "99999999999999999999x", 0, false},
	{"IMF-fixdate in another zone", "Sun, 01 Mar 2026 12:01:30 PST", 0, false},
	{"IMF-fixdate with an offset", "Sun, 01 Mar 2026 12:01:30 +0000", 0, false},
	{"RFC 850 date in another zone", "Sunday, 01-Mar-26 12:00:30 PST", 0, false},
	{"RFC 850 date with an offset from GMT", "Sunday, 01-Mar-26 12:00:30 GMT+3", 0, false},
	{"RFC 3339 date", "2026-03-01T12:01:30Z", 0, false},
	{"date without a zone", "Sun, 01 Mar 2026 12:01:30", 0, false},
	{"impossible date", "Sun, 31 Feb 2026 12:00:00 GMT", 0, false},
}

func TestParseRetryAfter(t *testing.T) {
	for _, tt := range retryAfterCases {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := classify.ParseRetryAfter(tt.value, retryAfterNow)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// A server that sent "Retry-After: 9223372037" made go-retryablehttp wait a
// negative time and retry at once, in a burst (its PR #297).
func TestParseRetryAfterOverflowIsNotNegative(t *testing.T) {
	for _, v := range []string{"9223372037", "9223372036854775807", "9223372036854775808", "18446744073709551615"} {
		if got, ok := classify.ParseRetryAfter(v, retryAfterNow); got != math.MaxInt64 || !ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, true", v, got, ok, time.Duration(math.MaxInt64))
		}
	}
}

func TestParseRetryAfterSecondsIgnoreNow(t *testing.T) {
	for _, now := range []time.Time{{}, retryAfterNow, time.Unix(1<<62, 0)} {
		if got, ok := classify.ParseRetryAfter("30", now); got != 30*time.Second || !ok {
			t.Errorf("ParseRetryAfter(%q) at %v = %v, %v; want 30s, true", "30", now, got, ok)
		}
	}
}

func TestParseRetryAfterDateFromFarPast(t *testing.T) {
	// A clock far behind the date saturates instead of wrapping.
	got, ok := classify.ParseRetryAfter("Sun, 01 Mar 2026 12:00:00 GMT", time.Time{})
	if got != math.MaxInt64 || !ok {
		t.Errorf("ParseRetryAfter at the zero time = %v, %v; want %v, true", got, ok, time.Duration(math.MaxInt64))
	}
}

func TestParseRetryAfterAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, v := range []string{"0", " 120 ", "\t007", "9223372036", "9223372037", "99999999999999999999999", "1.5", "99999999999999999999x"} {
		if n := testing.AllocsPerRun(100, func() { classify.ParseRetryAfter(v, retryAfterNow) }); n != 0 {
			t.Errorf("ParseRetryAfter(%q) allocates %v times; want 0", v, n)
		}
	}
}

func BenchmarkParseRetryAfter(b *testing.B) {
	for _, v := range []string{"120", "Sun, 01 Mar 2026 12:01:30 GMT"} {
		b.Run(v, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				classify.ParseRetryAfter(v, retryAfterNow)
			}
		})
	}
}
