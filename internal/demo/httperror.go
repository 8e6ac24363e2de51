package main

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HTTPError is the error of a response whose status is not 2xx, as a client
// package would define it. Two small methods are all the retry loop needs:
// StatusCode, through which classify.Default classifies it (429 is
// RateLimit, 503 ServerError, 404 Permanent, …), and RetryAfter, through
// which the loop finds the server's hint of how long to wait.
type HTTPError struct {
	Code int // the response's status code

	// RetryAfterHeader is the Retry-After header of a 429 or a 503 as the
	// server sent it, "" if there was none.
	RetryAfterHeader string

	// Hint is how long RetryAfterHeader asked to wait, 0 if it asked for
	// nothing the client understood.
	Hint time.Duration
}

// newHTTPError returns the error of resp, a response whose status is not
// 2xx, read at time now.
func newHTTPError(resp *http.Response, now time.Time) *HTTPError {
	e := &HTTPError{Code: resp.StatusCode}
	if e.Code == http.StatusTooManyRequests || e.Code == http.StatusServiceUnavailable {
		e.RetryAfterHeader = resp.Header.Get("Retry-After")
		e.Hint = parseRetryAfter(e.RetryAfterHeader, now)
	}
	return e
}

// Error returns the status and the Retry-After header, such as
// `429 Too Many Requests (Retry-After: 1)`.
func (e *HTTPError) Error() string {
	s := strconv.Itoa(e.Code) + " " + http.StatusText(e.Code)
	switch {
	case e.RetryAfterHeader == "":
	case e.Hint > 0:
		s += " (Retry-After: " + e.RetryAfterHeader + ")"
	default:
		s += " (Retry-After: " + strconv.Quote(e.RetryAfterHeader) + ", ignored)"
	}
	return s
}

// StatusCode returns the response's status code.
func (e *HTTPError) StatusCode() int { return e.Code }

// RetryAfter returns how long the server asked to wait, 0 for no hint.
func (e *HTTPError) RetryAfter() time.Duration { return e.Hint }

// maxSeconds is the largest number of seconds a Duration holds.
const maxSeconds = math.MaxInt64 / int64(time.Second)

// parseRetryAfter returns how long a Retry-After header value asks to wait,
// as of now. The value is delta-seconds ("120") or an HTTP-date. Anything
// else, a negative number among them, is no hint (0), and so is a date in
// the past. A number of seconds too large for a Duration saturates at the
// largest Duration: the hint is untrusted, and the retry loop caps it with
// retry.MaxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if isDigits(v) {
		var n int64
		for _, c := range v {
			n = n*10 + int64(c-'0') // n ≤ maxSeconds before: cannot overflow
			if n > maxSeconds {
				return math.MaxInt64
			}
		}
		return time.Duration(n) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	return max(t.Sub(now), 0) // Sub saturates instead of overflowing
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
