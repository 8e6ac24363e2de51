package classify_test

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// APIError is how a client library might report a failed HTTP call. Its
// StatusCode method is all the default classifier needs.
type APIError struct {
	Status int
	Code   string // the service's own error code
}

func (e *APIError) Error() string   { return fmt.Sprintf("api: %d %s", e.Status, e.Code) }
func (e *APIError) StatusCode() int { return e.Status }

// LimitError is a client-side limit of the application's own.
type LimitError struct{ Name string }

func (e *LimitError) Error() string { return "limit reached: " + e.Name }

func ExampleChain() {
	c := classify.Chain(
		// A missing row will be missing next time too.
		classify.Is(sql.ErrNoRows, classify.Permanent),
		// The application's own limits clear with time.
		classify.As[*LimitError](classify.RateLimit),
		// The service says "409 Conflict" for two different things.
		classify.Match(func(e *APIError) classify.Class {
			if e.Code == "AlreadyExists" {
				return classify.Permanent
			}
			return classify.Unknown // let Default read the status code
		}),
		classify.Default(),
	)

	for _, err := range []error{
		fmt.Errorf("load user 42: %w", sql.ErrNoRows),
		&LimitError{Name: "exports per minute"},
		&APIError{Status: 409, Code: "AlreadyExists"},
		&APIError{Status: 409, Code: "VersionMismatch"},
		&APIError{Status: 503, Code: "Unavailable"},
		errors.New("something else"),
	} {
		fmt.Printf("%-45v %v\n", err, c.Classify(err))
	}
	// Output:
	// load user 42: sql: no rows in result set      Permanent
	// limit reached: exports per minute             RateLimit
	// api: 409 AlreadyExists                        Permanent
	// api: 409 VersionMismatch                      Concurrency
	// api: 503 Unavailable                          ServerError
	// something else                                Unknown
}

func ExampleMarkRateLimit() {
	// The operation knows more than any classifier: the service answered
	// 200 with a "quota exhausted" body and a hint of when to come back.
	errQuota := errors.New("quota exhausted")
	err := fmt.Errorf("send batch: %w", classify.MarkRateLimit(errQuota, 30*time.Second))

	fmt.Println(classify.Default().Classify(err))
	hint, ok := classify.RetryAfter(err)
	fmt.Println(hint, ok)

	// The marker changes nothing else about the error.
	fmt.Println(err)
	fmt.Println(errors.Is(err, errQuota))
	// Output:
	// RateLimit
	// 30s true
	// send batch: quota exhausted
	// true
}

func ExampleWithRetryAfter() {
	// A 503 with "Retry-After: 120": the status code gives the class, the
	// header only the hint.
	err := classify.WithRetryAfter(&APIError{Status: 503, Code: "Maintenance"}, 2*time.Minute)

	fmt.Println(classify.Default().Classify(err))
	fmt.Println(classify.RetryAfter(err))
	// Output:
	// ServerError
	// 2m0s true
}

func ExampleRetryAfter() {
	// A hint deep in a tree is found; zero means no hint and hides nothing.
	inner := classify.WithRetryAfter(errors.New("busy"), 5*time.Second)
	err := errors.Join(
		errors.New("first try failed"),
		classify.MarkRateLimit(fmt.Errorf("second try: %w", inner), 0),
	)
	fmt.Println(classify.RetryAfter(err))
	fmt.Println(classify.RetryAfter(errors.New("no hint")))
	// Output:
	// 5s true
	// 0s false
}

func ExampleMark() {
	base := errors.New("disk quota exceeded")
	for _, err := range []error{
		classify.MarkPermanent(base),
		classify.MarkTransient(base),
		classify.Mark(base, classify.Concurrency),
	} {
		fmt.Printf("%v: %v\n", err, classify.Default().Classify(err))
	}

	// No error, no marker: safe on the success path.
	fmt.Println(classify.MarkPermanent(nil) == nil)
	// Output:
	// disk quota exceeded: Permanent
	// disk quota exceeded: Transient
	// disk quota exceeded: Concurrency
	// true
}

func ExampleStrip() {
	base := errors.New("upstream unavailable")
	err := classify.MarkTransient(classify.WithRetryAfter(base, time.Second))
	fmt.Println(classify.Strip(err) == base)
	// Output:
	// true
}

// MaintenanceError classifies itself, where it is defined.
type MaintenanceError struct{ Until time.Time }

func (e *MaintenanceError) Error() string { return "down for maintenance" }

func (e *MaintenanceError) RetryClass() classify.Class { return classify.Transient }

func ExampleClassed() {
	err := fmt.Errorf("sync: %w", &MaintenanceError{})
	fmt.Println(classify.Default().Classify(err))
	// Output:
	// Transient
}

func ExampleDefault() {
	d := classify.Default()
	for _, err := range []error{
		&APIError{Status: 429, Code: "SlowDown"},
		&url.Error{Op: "Get", URL: "https://api.example.com/v1/items", Err: &net.OpError{
			Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET),
		}},
		&url.Error{Op: "Get", URL: "https://api.example.com/v1/items", Err: io.EOF},
		io.EOF,
		fmt.Errorf("query: %w", context.DeadlineExceeded),
		context.Canceled,
		&net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true},
		&tls.CertificateVerificationError{Err: errors.New("x509: certificate has expired")},
		// A marker beats what the error says of itself.
		classify.MarkTransient(&APIError{Status: 404, Code: "NotYetReplicated"}),
	} {
		fmt.Printf("%-11v %v\n", d.Classify(err), err)
	}
	// Output:
	// RateLimit   api: 429 SlowDown
	// Transient   Get "https://api.example.com/v1/items": read tcp: read: connection reset by peer
	// Transient   Get "https://api.example.com/v1/items": EOF
	// Unknown     EOF
	// Transient   query: context deadline exceeded
	// Unknown     context canceled
	// Permanent   lookup api.example.invalid: no such host
	// Permanent   tls: failed to verify certificate: x509: certificate has expired
	// Transient   api: 404 NotYetReplicated
}

func ExampleHTTPStatus() {
	for _, code := range []int{400, 404, 408, 409, 425, 429, 500, 501, 502, 503, 504, 511, 200, 302} {
		fmt.Println(code, classify.HTTPStatus(code))
	}
	// Output:
	// 400 Permanent
	// 404 Permanent
	// 408 Transient
	// 409 Concurrency
	// 425 Transient
	// 429 RateLimit
	// 500 ServerError
	// 501 Permanent
	// 502 ServerError
	// 503 ServerError
	// 504 ServerError
	// 511 Permanent
	// 200 Unknown
	// 302 Unknown
}

func ExampleSQLState() {
	for _, code := range []string{"40001", "40P01", "55P03", "08006", "57P01", "53300", "53100", "23505", "42P01", "00000"} {
		fmt.Println(code, classify.SQLState(code))
	}
	// Output:
	// 40001 Concurrency
	// 40P01 Concurrency
	// 55P03 Concurrency
	// 08006 Transient
	// 57P01 Transient
	// 53300 RateLimit
	// 53100 ServerError
	// 23505 Permanent
	// 42P01 Permanent
	// 00000 Unknown
}

// Error types named as another ecosystem might name them.
type (
	UpstreamTimeout    struct{}
	ThrottledError     struct{}
	WriteConflictError struct{}
	ValidationError    struct{}
)

func (UpstreamTimeout) Error() string    { return "upstream timed out" }
func (ThrottledError) Error() string     { return "throttled" }
func (WriteConflictError) Error() string { return "write conflict" }
func (ValidationError) Error() string    { return "invalid input" }

func ExampleByTypeName() {
	// Default knows none of these types; ByTypeName guesses from their names.
	c := classify.Chain(classify.Default(), classify.ByTypeName())
	for _, err := range []error{
		UpstreamTimeout{},
		fmt.Errorf("put: %w", &ThrottledError{}),
		WriteConflictError{},
		ValidationError{},
	} {
		fmt.Printf("%-20v default %-8v with names %v\n", err, classify.Default().Classify(err), c.Classify(err))
	}
	// Output:
	// upstream timed out   default Unknown  with names Transient
	// put: throttled       default Unknown  with names RateLimit
	// write conflict       default Unknown  with names Concurrency
	// invalid input        default Unknown  with names Unknown
}

func ExampleValidate() {
	var rules classify.Func // never set
	fmt.Println(classify.Validate(rules))
	fmt.Println(classify.Validate(classify.Chain(classify.Is(nil, classify.Permanent), classify.Default())))
	fmt.Println(classify.Validate(classify.Chain(rules, classify.Default()))) // Chain skips the nil Func
	// Output:
	// classify: classifier is a nil classify.Func
	// classify.Is(<nil>, classify.Permanent): target is nil
	// <nil>
}
