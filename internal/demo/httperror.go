package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/reflexio-go/reflexio/classify"
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

	// Hint is how long RetryAfterHeader asked to wait, as
	// classify.ParseRetryAfter reads it: 0 if it asked for nothing the
	// client understood, or for a date already past.
	Hint time.Duration
}

// newHTTPError returns the error of resp, a response whose status is not
// 2xx, read at time now.
func newHTTPError(resp *http.Response, now time.Time) *HTTPError {
	e := &HTTPError{Code: resp.StatusCode}
	if e.Code == http.StatusTooManyRequests || e.Code == http.StatusServiceUnavailable {
		e.RetryAfterHeader = resp.Header.Get("Retry-After")
		e.Hint, _ = classify.ParseRetryAfter(e.RetryAfterHeader, now)
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
