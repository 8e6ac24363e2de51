package classify

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
)

// Default returns the classifier the retry loop uses when none is given. It
// looks at err's whole tree, in the order errors.Is visits it, in four steps,
// and stops at the first step that has an opinion:
//
//  1. Markers: the first error in the tree that states its class (Mark,
//     MarkTransient, …, or any error implementing Classed) decides. A marker
//     anywhere in the tree beats a status code at its top. A class that is
//     not one of the constants reads as Unknown.
//  2. Codes, through small interfaces, so that clients' error types
//     classify with no adapter: a cloud service's error code from
//     ErrorCode() string, as the AWS SDK's errors have it (see
//     ServiceErrorCode; it comes first because AWS throttling answers with
//     HTTP 400), then an HTTP status from StatusCode() int or
//     HTTPStatusCode() int (see HTTPStatus), then a SQLSTATE from
//     SQLState() string (see SQLState). A code the tables do not know, such
//     as 200 or "00000", has no opinion.
//  3. Standard-library knowledge, as follows.
//  4. Otherwise Unknown.
//
// The standard library's errors of step 3:
//
//   - Transient: a timeout (any error in the tree whose Timeout() is true,
//     net.Error, os.ErrDeadlineExceeded and context.DeadlineExceeded among
//     them); a connection reset, refused or aborted, a broken pipe, an
//     unreachable host or network (the syscall errors, however wrapped);
//     io.ErrUnexpectedEOF; an io.EOF inside a *url.Error or *net.OpError
//     (a connection dropped mid-response); a DNS failure marked temporary
//     or timed out.
//   - Permanent: a DNS "no such host" (net.DNSError.IsNotFound); a TLS
//     certificate that does not verify (*tls.CertificateVerificationError,
//     x509.UnknownAuthorityError, x509.CertificateInvalidError,
//     x509.HostnameError). These rules come first: a certificate or host
//     that is wrong stays Permanent even when a timeout shows in the tree
//     too.
//
// A bare io.EOF is Unknown: outside a transport it often means a stream
// ended where it should. context.Canceled is Unknown too: whether the caller
// cancelled is the retry loop's business, and the loop stops for it before
// classifying.
//
// The name heuristics of ByTypeName are not part of Default; chain them after
// it to opt in.
func Default() Classifier { return defaultClassifier{} }

type defaultClassifier struct{}

func (defaultClassifier) Classify(err error) Class {
	if m, ok := err.(*marked); ok {
		// The usual case, a marker at the root, without the interface
		// check of AsType, which finds this one first too.
		if int(m.class) < NumClasses {
			return m.class
		}
		return Unknown
	}
	if m, ok := errors.AsType[Classed](err); ok {
		if c := m.RetryClass(); int(c) < NumClasses {
			return c
		}
		return Unknown // an invented class is not trusted
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
	errorCoder interface {
		error
		ErrorCode() string
	}
)

func byCode(err error) Class {
	if e, ok := errors.AsType[errorCoder](err); ok {
		if c := ServiceErrorCode(e.ErrorCode()); c != Unknown {
			return c
		}
	}
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

// ServiceErrorCode returns the class of a cloud service's error code, as the
// AWS SDK reports it through an ErrorCode() string method:
//
//	Throttling, ThrottlingException, ThrottledException,
//	RequestThrottled, RequestThrottledException, TooManyRequestsException,
//	RequestLimitExceeded, ProvisionedThroughputExceededException,
//	BandwidthLimitExceeded, LimitExceededException, SlowDown,
//	EC2ThrottledException, PriorRequestNotComplete,
//	TransactionInProgressException                              RateLimit
//	RequestTimeout, RequestTimeoutException                     Transient
//	InternalError, InternalFailure, InternalServerError,
//	ServiceUnavailable                                          ServerError
//	anything else                                               Unknown
//
// Unknown codes have no opinion, so the error's HTTP status, if it has one,
// decides.
func ServiceErrorCode(code string) Class {
	switch code {
	case "Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
		"RequestLimitExceeded", "ProvisionedThroughputExceededException",
		"BandwidthLimitExceeded", "LimitExceededException", "SlowDown",
		"EC2ThrottledException", "PriorRequestNotComplete",
		"TransactionInProgressException":
		return RateLimit
	case "RequestTimeout", "RequestTimeoutException":
		return Transient
	case "InternalError", "InternalFailure", "InternalServerError", "ServiceUnavailable":
		return ServerError
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
	if timedOut(err) {
		return Transient
	}
	for _, errno := range brokenConnErrnos {
		if errors.Is(err, errno) {
			return Transient
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return Transient
	}
	if eofInTransport(err) {
		return Transient
	}
	return Unknown
}

// timedOut reports whether any error in err's tree says it is a timeout. It
// does not stop at the first error with a Timeout method, as errors.As would:
// a *url.Error around fmt.Errorf("…: %w", context.DeadlineExceeded) says
// Timeout() false, yet the request timed out.
func timedOut(err error) bool {
	return walk(err, func(e error) bool {
		t, ok := e.(interface{ Timeout() bool })
		return ok && t.Timeout()
	})
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

// eofInTransport reports whether err's tree holds a network transport error
// that holds io.EOF: the peer closed the connection mid-exchange. An io.EOF
// beside such an error, not inside it, does not count.
func eofInTransport(err error) bool {
	return walk(err, func(e error) bool {
		switch e.(type) {
		case *url.Error, *net.OpError:
			return errors.Is(e, io.EOF)
		}
		return false
	})
}
