package classify

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"
)

// Default returns the classifier the retry loop uses when none is given. It
// looks at err's whole tree (errors.Is and errors.As order) in four steps and
// stops at the first that has an opinion:
//
//  1. Markers: an error that states its class (Mark, MarkTransient, …, or any
//     error implementing Classed).
//  2. Status codes, through small interfaces, so that clients' error types
//     classify with no adapter:
//     an HTTP status from StatusCode() int or HTTPStatusCode() int
//     (see HTTPStatus), and a SQLSTATE from SQLState() string (see SQLState).
//  3. Standard-library knowledge: a timeout (any error with Timeout() true,
//     net.Error and context.DeadlineExceeded among them), a reset, refused or
//     aborted connection, a broken pipe, io.ErrUnexpectedEOF, and an EOF
//     inside a *url.Error or *net.OpError (a connection dropped mid-response)
//     are Transient; a DNS "no such host" is Permanent and a temporary DNS
//     failure Transient; a TLS certificate that does not verify is Permanent.
//  4. Otherwise Unknown.
//
// context.Canceled is Unknown: whether the caller cancelled is the retry
// loop's business, and the loop stops for it before classifying.
//
// The name heuristics of ByTypeName are not part of Default; chain them after
// it to opt in.
func Default() Classifier { return defaultClassifier{} }

type defaultClassifier struct{}

func (defaultClassifier) Classify(err error) Class {
	if m, ok := errors.AsType[Classed](err); ok {
		return m.RetryClass()
	}
	if c := byCode(err); c != Unknown {
		return c
	}
	return byStdlib(err)
}

func (defaultClassifier) String() string { return "classify.Default()" }

// The small interfaces through which the default classifier finds codes.
type (
	statusCoder interface {
		error
		StatusCode() int
	}
	httpStatusCoder interface {
		error
		HTTPStatusCode() int
	}
	sqlStater interface {
		error
		SQLState() string
	}
	timeouter interface {
		error
		Timeout() bool
	}
)

func byCode(err error) Class {
	if e, ok := errors.AsType[statusCoder](err); ok {
		if c := HTTPStatus(e.StatusCode()); c != Unknown {
			return c
		}
	}
	if e, ok := errors.AsType[httpStatusCoder](err); ok {
		if c := HTTPStatus(e.HTTPStatusCode()); c != Unknown {
			return c
		}
	}
	if e, ok := errors.AsType[sqlStater](err); ok {
		return SQLState(e.SQLState())
	}
	return Unknown
}

// HTTPStatus returns the class of an HTTP response status code:
//
//	408 Request Timeout, 425 Too Early            Transient
//	409 Conflict                                  Concurrency
//	429 Too Many Requests                         RateLimit
//	501, 505, 506, 508, 510, 511                  Permanent (the server cannot ever serve it)
//	other 5xx                                     ServerError
//	other 4xx (400, 401, 403, 404, 422, …)        Permanent
//	anything else                                 Unknown
func HTTPStatus(code int) Class {
	switch code {
	case 408, 425:
		return Transient
	case 409:
		return Concurrency
	case 429:
		return RateLimit
	case 501, 505, 506, 508, 510, 511:
		return Permanent
	}
	switch {
	case code >= 400 && code < 500:
		return Permanent
	case code >= 500 && code < 600:
		return ServerError
	}
	return Unknown
}

// SQLState returns the class of a SQLSTATE error code, as PostgreSQL, MySQL
// and the SQL standard define them:
//
//	40001 serialization_failure, 40P01 deadlock_detected,
//	55P03 lock_not_available                                Concurrency
//	class 08 (connection exception), HYT00, HYT01 (timeouts),
//	57P01, 57P02, 57P03 (server shutting down or starting)  Transient
//	53300 too_many_connections                              RateLimit
//	other class 53 (insufficient resources)                 ServerError
//	class 22 (data), 23 (integrity), 28 (authorization),
//	42 (syntax or access rule)                              Permanent
//	anything else                                           Unknown
func SQLState(code string) Class {
	switch code {
	case "40001", "40P01", "55P03":
		return Concurrency
	case "HYT00", "HYT01", "57P01", "57P02", "57P03":
		return Transient
	case "53300":
		return RateLimit
	}
	if len(code) != 5 {
		return Unknown
	}
	switch code[:2] {
	case "08":
		return Transient
	case "53":
		return ServerError
	case "22", "23", "28", "42":
		return Permanent
	}
	return Unknown
}

// transientErrnos are the system errors of a connection that broke on the
// way, which a fresh connection may not meet.
var transientErrnos = [...]error{
	syscall.ECONNRESET,
	syscall.ECONNREFUSED,
	syscall.ECONNABORTED,
	syscall.EPIPE,
	syscall.ETIMEDOUT,
	syscall.EHOSTUNREACH,
	syscall.ENETUNREACH,
}

func byStdlib(err error) Class {
	if isCertificateError(err) {
		return Permanent
	}
	if e, ok := errors.AsType[*net.DNSError](err); ok {
		switch {
		case e.IsNotFound:
			return Permanent
		case e.IsTimeout, e.IsTemporary:
			return Transient
		}
	}
	if e, ok := errors.AsType[timeouter](err); ok && e.Timeout() {
		return Transient
	}
	for _, errno := range transientErrnos {
		if errors.Is(err, errno) {
			return Transient
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return Transient
	}
	if errors.Is(err, io.EOF) && isTransportError(err) {
		return Transient
	}
	return Unknown
}

func isCertificateError(err error) bool {
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.CertificateInvalidError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.HostnameError](err); ok {
		return true
	}
	return false
}

// isTransportError reports whether err came from a network transport, where
// a bare io.EOF means the peer closed the connection.
func isTransportError(err error) bool {
	if _, ok := errors.AsType[*url.Error](err); ok {
		return true
	}
	_, ok := errors.AsType[*net.OpError](err)
	return ok
}
