package classify_test

import (
	"strconv"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// Error types as clients define them: with the small interfaces the default
// classifier looks for, with their own class or hint, or with a tree of
// their own.

// statusError carries an HTTP status through StatusCode() int.
type statusError struct{ code int }

func (e *statusError) Error() string   { return "status " + strconv.Itoa(e.code) }
func (e *statusError) StatusCode() int { return e.code }

// awsStyleError carries an HTTP status through HTTPStatusCode() int.
type awsStyleError struct{ code int }

func (e awsStyleError) Error() string       { return "http status " + strconv.Itoa(e.code) }
func (e awsStyleError) HTTPStatusCode() int { return e.code }

// pgError carries a SQLSTATE through SQLState() string.
type pgError struct{ code string }

func (e *pgError) Error() string    { return "sqlstate " + e.code }
func (e *pgError) SQLState() string { return e.code }

// netTimeout is a net.Error that timed out.
type netTimeout struct{}

func (netTimeout) Error() string   { return "i/o timeout" }
func (netTimeout) Timeout() bool   { return true }
func (netTimeout) Temporary() bool { return true }

// notTimeout wraps an error and says it is no timeout, whatever it wraps, as
// *url.Error does around an error without a Timeout method.
type notTimeout struct{ err error }

func (e notTimeout) Error() string { return "not a timeout: " + e.err.Error() }
func (e notTimeout) Unwrap() error { return e.err }
func (e notTimeout) Timeout() bool { return false }

// hintError carries a server hint through RetryAfter() time.Duration and may
// wrap another error.
type hintError struct {
	hint time.Duration
	err  error
}

func (e *hintError) Error() string             { return "retry after " + e.hint.String() }
func (e *hintError) RetryAfter() time.Duration { return e.hint }
func (e *hintError) Unwrap() error             { return e.err }

// quotaError is a user's error type that states its own class.
type quotaError struct {
	class classify.Class
	err   error
}

func (e *quotaError) Error() string              { return "quota exceeded" }
func (e *quotaError) Unwrap() error              { return e.err }
func (e *quotaError) RetryClass() classify.Class { return e.class }

var _ classify.Classed = (*quotaError)(nil)

// multiError wraps several errors, as an Unwrap() []error tree other than
// errors.Join's.
type multiError []error

func (m multiError) Error() string   { return "multi" }
func (m multiError) Unwrap() []error { return m }
