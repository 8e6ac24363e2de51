package retryhttp

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/integration"
)

// The reasons a request is sent only once. They are found with errors.Is
// in the error of a request that failed without a response, and in the
// events of any request that failed, whose Err says so.
var (
	// ErrNotIdempotent: the rule of Idempotent said the request must not be
	// sent twice.
	ErrNotIdempotent = errors.New("retryhttp: request is not idempotent")

	// ErrBodyNotReplayable: the request has a body but no GetBody to make a
	// fresh copy of it, so it cannot be sent again. http.NewRequest sets
	// GetBody for a body that is a *bytes.Buffer, *bytes.Reader or
	// *strings.Reader; set it yourself for other bodies.
	ErrBodyNotReplayable = errors.New("retryhttp: request body cannot be replayed")
)

// StatusError is the error of an attempt whose response has a status of
// 400 to 599, as the retry loop sees it: classifiers and subscribers get
// it, and a *retry.Error keeps it as its last error when a request ends
// without a response. The response itself is not in it: when the loop
// gives up on a request that got one, RoundTrip returns the last response
// as it came, with a nil error.
//
// classify.Default reads the status through StatusCode (see
// classify.HTTPStatus) and the server's hint through RetryAfter. To
// classify responses your own way, match it before the default:
//
//	retry.Classifier(classify.Chain(
//		classify.Match(func(e *retryhttp.StatusError) classify.Class { … }),
//		classify.Default(),
//	))
type StatusError struct {
	Method string // the request's method
	Host   string // the request's host, with its port if the URL has one
	Code   int    // the response's status code

	// Hint is how long the server asked to wait before the next attempt,
	// in the Retry-After header of a 429 or a 503 (delay-seconds or an
	// HTTP-date, measured against the response's Date header), as
	// classify.ParseRetryAfter reads it: untrusted, so possibly huge, and
	// capped by retry.MaxRetryAfter when the loop waits on it. Zero means
	// no usable hint: none, garbage, a date already past, or another
	// status.
	Hint time.Duration

	// Header is the response's header, for classifiers that look further
	// than the status. Do not modify it.
	Header http.Header
}

// newStatusError returns the error of resp, the response to a request
// that c makes, received at now.
func newStatusError(c *call, resp *http.Response, now time.Time) *StatusError {
	e := &StatusError{Method: c.method, Host: c.host, Code: resp.StatusCode, Header: resp.Header}
	if e.Code == http.StatusTooManyRequests || e.Code == http.StatusServiceUnavailable {
		if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			now = date // the server's clock, against which its dates are meant
		}
		e.Hint, _ = classify.ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return e
}

// Error returns the method, the host and the status, with the hint if
// there is one, such as "GET example.com: 503 Service Unavailable (retry
// after 2s)". It never contains the URL's path, query or user info.
func (e *StatusError) Error() string {
	s := e.Method + " " + e.Host + ": " + strconv.Itoa(e.Code)
	if text := http.StatusText(e.Code); text != "" {
		s += " " + text
	}
	if e.Hint > 0 {
		s += " (retry after " + e.Hint.String() + ")"
	}
	return s
}

// StatusCode returns Code, for classify.Default.
func (e *StatusError) StatusCode() int { return e.Code }

// RetryAfter returns Hint, for the retry loop.
func (e *StatusError) RetryAfter() time.Duration { return e.Hint }

// notRetried is the error of a failed attempt at a request that must not
// be sent again: Permanent, with the reason (ErrNotIdempotent or
// ErrBodyNotReplayable) and the attempt's own error in its tree.
type notRetried struct {
	reason, err error
}

func (e *notRetried) Error() string {
	return e.err.Error() + " (not retried: " + e.reason.Error() + ")"
}

func (e *notRetried) Unwrap() []error { return []error{e.err, e.reason} }

// RetryClass returns classify.Permanent: whatever the attempt's error, the
// request cannot be sent again.
func (e *notRetried) RetryClass() classify.Class { return classify.Permanent }

// optionError returns the error of option, invalid for reason.
func optionError(option, reason string) error {
	return &integration.OptionError{Pkg: "retryhttp", Option: option, Reason: reason}
}
