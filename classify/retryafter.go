package classify

import (
	"strings"
	"time"

	"github.com/reflexio-go/reflexio/internal/decimal"
)

// ParseRetryAfter returns how long, from now, an HTTP Retry-After header
// value asks the client to wait, and reports whether the value could be read
// (RFC 9110, section 10.2.3). The value is either delay-seconds, a
// non-negative decimal integer such as "120", or an HTTP-date: the
// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" or one of the obsolete RFC 850
// and asctime forms that net/http's ParseTime also reads. Spaces and tabs
// around the value are ignored.
//
// A date that is not after now asks for no wait: ParseRetryAfter returns
// (0, true). A value that is neither, such as "", "soon", "-1", "+5", "1.5"
// or a date in another zone than GMT (or UTC, which Go's time.RFC850 writes
// for the RFC 850 form), returns (0, false). The result is never negative:
// a number of seconds too large for a Duration, or a date too far ahead,
// gives the largest Duration rather than a wrapped value.
//
// The value comes from the server and is untrusted input: a hint of hours or
// years is returned as such. Attach it with [WithRetryAfter] or
// [MarkRateLimit], and the retry loop caps the wait with retry.MaxRetryAfter.
//
// now is the time the response arrived, usually time.Now(); pass the
// response's Date header instead to measure a date against the server's own
// clock. Delay-seconds do not depend on now, and ParseRetryAfter does not
// allocate for them.
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	v := strings.Trim(value, " \t") // OWS: spaces and horizontal tabs only
	if v == "" {
		return 0, false
	}
	if isDigit(v[0]) { // every HTTP-date starts with a day name
		return parseSeconds(v)
	}
	for _, layout := range httpDateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return max(t.Sub(now), 0), true // Sub saturates
		}
	}
	return 0, false
}

// httpDateLayouts are the forms of an HTTP-date, as net/http's ParseTime
// tries them, except that the RFC 850 form names its zone literally: given
// another abbreviation, time.Parse would take its offset from the local
// time zone, or assume zero when it does not know it.
var httpDateLayouts = [...]string{
	"Mon, 02 Jan 2006 15:04:05 GMT",  // IMF-fixdate, net/http's TimeFormat
	"Monday, 02-Jan-06 15:04:05 GMT", // RFC 850
	"Monday, 02-Jan-06 15:04:05 UTC", // RFC 850 as time.RFC850 writes UTC
	time.ANSIC,                       // asctime, always in GMT
}

// parseSeconds reads delay-seconds, 1*DIGIT, saturating at the largest
// Duration.
func parseSeconds(s string) (time.Duration, bool) { return decimal.Duration(s, time.Second) }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
