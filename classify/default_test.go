package classify_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"testing"

	"github.com/reflexio-go/reflexio/classify"
)

// httpStatusCases is the HTTP status table; FuzzHTTPStatus checks that it
// agrees with what the fuzzer sees.
var httpStatusCases = []struct {
	code int
	want classify.Class
}{
	{400, classify.Permanent},
	{401, classify.Permanent},
	{403, classify.Permanent},
	{404, classify.Permanent},
	{408, classify.Transient},
	{409, classify.Concurrency},
	{422, classify.Permanent},
	{425, classify.Transient},
	{429, classify.RateLimit},
	{499, classify.Permanent},
	{500, classify.ServerError},
	{501, classify.Permanent},
	{502, classify.ServerError},
	{503, classify.ServerError},
	{504, classify.ServerError},
	{505, classify.Permanent},
	{506, classify.Permanent},
	{507, classify.ServerError},
	{508, classify.Permanent},
	{510, classify.Permanent},
	{511, classify.Permanent},
	{599, classify.ServerError},
	{100, classify.Unknown},
	{200, classify.Unknown},
	{204, classify.Unknown},
	{302, classify.Unknown},
	{399, classify.Unknown},
	{600, classify.Unknown},
	{0, classify.Unknown},
	{-1, classify.Unknown},
	{-404, classify.Unknown},
	{999, classify.Unknown},
	{1 << 62, classify.Unknown},
}

func TestHTTPStatus(t *testing.T) {
	d := classify.Default()
	for _, tt := range httpStatusCases {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			if got := classify.HTTPStatus(tt.code); got != tt.want {
				t.Errorf("HTTPStatus(%d) = %v; want %v", tt.code, got, tt.want)
			}
			for _, err := range []error{
				&statusError{tt.code},
				awsStyleError{tt.code},
				fmt.Errorf("get: %w", &statusError{tt.code}),
				errors.Join(errors.New("other"), awsStyleError{tt.code}),
			} {
				if got := d.Classify(err); got != tt.want {
					t.Errorf("Classify(%v) = %v; want %v", err, got, tt.want)
				}
			}
		})
	}
}

// sqlStateCases is the SQLSTATE table, shared with FuzzSQLState's seeds.
var sqlStateCases = []struct {
	code string
	want classify.Class
}{
	{"40001", classify.Concurrency}, // serialization_failure
	{"40P01", classify.Concurrency}, // deadlock_detected
	{"55P03", classify.Concurrency}, // lock_not_available
	{"08000", classify.Transient},   // connection_exception
	{"08001", classify.Transient},   // sqlclient_unable_to_establish_sqlconnection
	{"08006", classify.Transient},   // connection_failure
	{"HYT00", classify.Transient},   // timeout expired
	{"HYT01", classify.Transient},   // connection timeout expired
	{"57P01", classify.Transient},   // admin_shutdown
	{"57P02", classify.Transient},   // crash_shutdown
	{"57P03", classify.Transient},   // cannot_connect_now
	{"53300", classify.RateLimit},   // too_many_connections
	{"53000", classify.ServerError}, // insufficient_resources
	{"53100", classify.ServerError}, // disk_full
	{"53200", classify.ServerError}, // out_of_memory
	{"22012", classify.Permanent},   // division_by_zero
	{"23505", classify.Permanent},   // unique_violation
	{"28P01", classify.Permanent},   // invalid_password
	{"42P01", classify.Permanent},   // undefined_table
	{"42501", classify.Permanent},   // insufficient_privilege
	{"40000", classify.Unknown},     // transaction_rollback, cause unstated
	{"57014", classify.Unknown},     // query_canceled
	{"00000", classify.Unknown},     // successful_completion
	{"HY000", classify.Unknown},     // general error
	{"", classify.Unknown},
	{"4000", classify.Unknown},
	{"40001x", classify.Unknown},
	{"08", classify.Unknown},
	{"0800", classify.Unknown},
	{"080000", classify.Unknown},
	{"40p01", classify.Unknown}, // codes are upper case
	{" 40001", classify.Unknown},
}

func TestSQLState(t *testing.T) {
	d := classify.Default()
	for _, tt := range sqlStateCases {
		t.Run(strconv.Quote(tt.code), func(t *testing.T) {
			if got := classify.SQLState(tt.code); got != tt.want {
				t.Errorf("SQLState(%q) = %v; want %v", tt.code, got, tt.want)
			}
			for _, err := range []error{
				&pgError{tt.code},
				fmt.Errorf("query: %w", &pgError{tt.code}),
				errors.Join(errors.New("other"), &pgError{tt.code}),
			} {
				if got := d.Classify(err); got != tt.want {
					t.Errorf("Classify(%v) = %v; want %v", err, got, tt.want)
				}
			}
		})
	}
}

func opErr(op string, errno syscall.Errno) error {
	return &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(op, errno)}
}

// stdlibCases are errors of the standard library, built without touching
// the network.
var stdlibCases = []struct {
	name string
	err  error
	want classify.Class
}{
	{"connection reset", opErr("read", syscall.ECONNRESET), classify.Transient},
	{"connection refused", opErr("dial", syscall.ECONNREFUSED), classify.Transient},
	{"connection aborted", opErr("read", syscall.ECONNABORTED), classify.Transient},
	{"broken pipe", opErr("write", syscall.EPIPE), classify.Transient},
	{"connection timed out", opErr("dial", syscall.ETIMEDOUT), classify.Transient},
	{"host unreachable", opErr("dial", syscall.EHOSTUNREACH), classify.Transient},
	{"network unreachable", opErr("dial", syscall.ENETUNREACH), classify.Transient},
	{"bare errno", syscall.ECONNRESET, classify.Transient},
	{"other errno", opErr("read", syscall.EBADF), classify.Unknown},
	{"reset behind a url.Error", &url.Error{Op: "Get", URL: "https://example.com", Err: opErr("read", syscall.ECONNRESET)}, classify.Transient},

	{"net.Error timeout", netTimeout{}, classify.Transient},
	{"net.Error timeout in an OpError", &net.OpError{Op: "read", Net: "tcp", Err: netTimeout{}}, classify.Transient},
	{"os.ErrDeadlineExceeded", os.ErrDeadlineExceeded, classify.Transient},
	{"context.DeadlineExceeded", context.DeadlineExceeded, classify.Transient},
	{"context.DeadlineExceeded in a url.Error", &url.Error{Op: "Get", URL: "https://example.com", Err: context.DeadlineExceeded}, classify.Transient},
	// A *url.Error asks only the error it holds directly whether it timed
	// out; an error in between makes it say no.
	{
		"deadline behind a url.Error that says no timeout",
		&url.Error{Op: "Get", URL: "https://example.com", Err: fmt.Errorf("round trip: %w", context.DeadlineExceeded)},
		classify.Transient,
	},
	{"timeout behind a wrapper that says no timeout", notTimeout{netTimeout{}}, classify.Transient},
	{"no timeout anywhere", notTimeout{errors.New("boom")}, classify.Unknown},
	{"context.Canceled", context.Canceled, classify.Unknown},
	{"context.Canceled in a url.Error", &url.Error{Op: "Get", URL: "https://example.com", Err: context.Canceled}, classify.Unknown},

	{"io.ErrUnexpectedEOF", io.ErrUnexpectedEOF, classify.Transient},
	{"io.EOF alone", io.EOF, classify.Unknown},
	{"io.EOF in a url.Error", &url.Error{Op: "Get", URL: "https://example.com", Err: io.EOF}, classify.Transient},
	{"io.EOF in a net.OpError", &net.OpError{Op: "read", Net: "tcp", Err: io.EOF}, classify.Transient},
	{"io.EOF deep in a url.Error", &url.Error{Op: "Get", URL: "https://example.com", Err: fmt.Errorf("read body: %w", io.EOF)}, classify.Transient},
	{"io.EOF beside a url.Error, not in it", errors.Join(io.EOF, &url.Error{Op: "Get", URL: "https://example.com", Err: errors.New("x")}), classify.Unknown},
	{"io.EOF beside a net.OpError, not in it", fmt.Errorf("%w after %w", io.EOF, opErr("read", syscall.EBADF)), classify.Unknown},

	{"DNS no such host", &net.DNSError{Err: "no such host", Name: "nope.invalid", IsNotFound: true}, classify.Permanent},
	{"DNS temporary", &net.DNSError{Err: "server misbehaving", Name: "example.com", IsTemporary: true}, classify.Transient},
	{"DNS timeout", &net.DNSError{Err: "i/o timeout", Name: "example.com", IsTimeout: true}, classify.Transient},
	{"DNS other", &net.DNSError{Err: "cannot unmarshal DNS message", Name: "example.com"}, classify.Unknown},
	{"DNS no such host in a dial", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nope.invalid", IsNotFound: true}}, classify.Permanent},

	{"x509 unknown authority", x509.UnknownAuthorityError{}, classify.Permanent},
	{"x509 invalid certificate", x509.CertificateInvalidError{Reason: x509.Expired}, classify.Permanent},
	{"x509 hostname mismatch", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "example.com"}, classify.Permanent},
	{"tls verification", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, classify.Permanent},
	{"tls verification, empty", &tls.CertificateVerificationError{}, classify.Permanent},
	{"tls verification in a url.Error", &url.Error{Op: "Get", URL: "https://example.com", Err: &tls.CertificateVerificationError{}}, classify.Permanent},

	{"plain error", errors.New("boom"), classify.Unknown},
}

func TestDefaultStdlib(t *testing.T) {
	d := classify.Default()
	for _, tt := range stdlibCases {
		t.Run(tt.name, func(t *testing.T) {
			for _, err := range []error{
				tt.err,
				fmt.Errorf("op: %w", tt.err),
				fmt.Errorf("a: %w", fmt.Errorf("b: %w", tt.err)),
				errors.Join(errors.New("other"), tt.err),
				errors.Join(tt.err, errors.New("other")),
				fmt.Errorf("%w; %w", errors.New("other"), tt.err),
			} {
				if got := d.Classify(err); got != tt.want {
					t.Errorf("Classify(%v) = %v; want %v", err, got, tt.want)
				}
			}
		})
	}
}

func TestDefaultOrder(t *testing.T) {
	reset := opErr("read", syscall.ECONNRESET)
	certErr := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	tests := []struct {
		name string
		err  error
		want classify.Class
	}{
		{"marker beats status code", classify.MarkTransient(&statusError{404}), classify.Transient},
		{"marker deep in a join beats status code", errors.Join(&statusError{404}, fmt.Errorf("x: %w", classify.MarkConcurrency(io.EOF))), classify.Concurrency},
		{"marker beats stdlib knowledge", classify.MarkPermanent(reset), classify.Permanent},
		{"status code beats stdlib knowledge", errors.Join(reset, &statusError{404}), classify.Permanent},
		{"status code beats a timeout", fmt.Errorf("%w: %w", context.DeadlineExceeded, awsStyleError{503}), classify.ServerError},
		{"sqlstate beats stdlib knowledge", errors.Join(io.ErrUnexpectedEOF, &pgError{"23505"}), classify.Permanent},
		{"StatusCode beats HTTPStatusCode", errors.Join(awsStyleError{429}, &statusError{503}), classify.ServerError},
		{"HTTP status beats sqlstate", errors.Join(&pgError{"40001"}, &statusError{503}), classify.ServerError},
		{"unknown StatusCode leaves HTTPStatusCode", errors.Join(&statusError{0}, awsStyleError{429}), classify.RateLimit},
		{"unknown StatusCode leaves sqlstate", errors.Join(&statusError{200}, &pgError{"40P01"}), classify.Concurrency},
		{"unknown status leaves stdlib knowledge", errors.Join(&statusError{200}, awsStyleError{-1}, reset), classify.Transient},
		{"unknown sqlstate leaves stdlib knowledge", errors.Join(&pgError{"00000"}, netTimeout{}), classify.Transient},
		{"certificate beats a timeout", errors.Join(netTimeout{}, certErr), classify.Permanent},
		{"no such host beats a timeout", errors.Join(netTimeout{}, &net.DNSError{IsNotFound: true}), classify.Permanent},
		{"timeout beats unexpected EOF", errors.Join(io.ErrUnexpectedEOF, netTimeout{}), classify.Transient},
	}
	d := classify.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestDefaultAllocations(t *testing.T) {
	d := classify.Default()
	errs := []error{
		errors.New("boom"),
		fmt.Errorf("op: %w", opErr("read", syscall.ECONNRESET)),
		&statusError{503},
		classify.MarkRateLimit(io.EOF, 1),
	}
	for _, err := range errs {
		if n := testing.AllocsPerRun(100, func() { d.Classify(err) }); n != 0 {
			t.Errorf("Classify(%v) allocates %v times; want 0", err, n)
		}
		if n := testing.AllocsPerRun(100, func() { classify.RetryAfter(err) }); n != 0 {
			t.Errorf("RetryAfter(%v) allocates %v times; want 0", err, n)
		}
	}
}

func BenchmarkDefault(b *testing.B) {
	d := classify.Default()
	err := fmt.Errorf("get: %w", &url.Error{Op: "Get", URL: "https://example.com", Err: opErr("read", syscall.ECONNRESET)})
	b.ReportAllocs()
	for b.Loop() {
		d.Classify(err)
	}
}
