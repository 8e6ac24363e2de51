package retrygrpc

import (
	"errors"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/decimal"
	"github.com/reflexio-go/reflexio/retry"
)

// pushbackKey is the trailer in which a server says how long a client
// should wait before it retries, in milliseconds, or that it must not.
const pushbackKey = "grpc-retry-pushback-ms"

// ErrPushback is found with errors.Is in the error of an attempt whose
// server asked not to be retried: its grpc-retry-pushback-ms trailer was
// negative or was not an integer. Such an error is Permanent, whatever its
// code.
var ErrPushback = errors.New("retrygrpc: the server asked not to retry (grpc-retry-pushback-ms)")

// withPushback returns err, the error of an attempt whose trailer was md,
// with what the server said in its grpc-retry-pushback-ms trailer: a hint
// of how long to wait (classify.RetryAfter finds it), or a refusal to be
// retried. Without the trailer it returns err as it is.
func withPushback(err error, md metadata.MD) error {
	values := md.Get(pushbackKey)
	if len(values) == 0 {
		return err
	}
	d, ok := parsePushback(values)
	if !ok {
		return &pushbackError{err: err, value: quoted(values)}
	}
	return classify.WithRetryAfter(err, d) // zero: no hint
}

// parsePushback reads the values of a grpc-retry-pushback-ms trailer, and
// reports whether the server allows a retry: only when there is one value,
// a non-negative decimal integer of milliseconds (an optional leading plus
// sign, as gRPC's own parser takes). A value too large for a Duration
// saturates at the largest one; the retry loop caps it anyway.
func parsePushback(values []string) (time.Duration, bool) {
	if len(values) != 1 {
		return 0, false // gRPC's own retry does not retry on several values either
	}
	v := values[0]
	if v != "" && v[0] == '+' {
		v = v[1:]
	}
	return decimal.Duration(v, time.Millisecond)
}

// quoted returns the trailer's values for an error's text: quoted, and cut
// short, because they come from the server.
func quoted(values []string) string {
	const max = 32
	s := ""
	for i, v := range values {
		if i > 0 {
			s += ", "
		}
		if len(v) > max {
			v = v[:max] + "…"
		}
		s += strconv.Quote(v)
	}
	return s
}

// pushbackError is the error of an attempt whose server asked not to be
// retried: Permanent, with the attempt's error and ErrPushback in its tree.
type pushbackError struct {
	err   error
	value string // the trailer's values, quoted
}

func (e *pushbackError) Error() string {
	return e.err.Error() + " (not retried: " + pushbackKey + " " + e.value + ")"
}

func (e *pushbackError) Unwrap() []error { return []error{e.err, ErrPushback} }

// RetryClass returns classify.Permanent: the server said not to retry.
func (e *pushbackError) RetryClass() classify.Class { return classify.Permanent }

// callError is the error an Interceptor returns when its retry loop gives
// up: the loop's error (a *retry.Error, or an invalid option's), with a
// gRPC status of its own, so that status.FromError and status.Code read
// what gRPC callers expect.
type callError struct {
	err error
	st  *status.Status
}

// failed returns the error of a call whose retry loop returned err.
func failed(err error) error {
	return &callError{err: err, st: statusOf(err)}
}

// statusOf returns the status of a call whose retry loop returned err,
// with err's text as its message: the context's code, as gRPC itself
// reports it, when the caller's context ended the call; otherwise the code
// and details of the last attempt's status; Unavailable when a breaker
// refused the call before any attempt; DeadlineExceeded when the deadline
// passed before any; Internal for an invalid option; Unknown when there is
// nothing else to say.
func statusOf(err error) *status.Status {
	msg := err.Error()
	re, ok := errors.AsType[*retry.Error](err)
	if ok && errors.Is(re.Reason, retry.ErrBreakerOpen) {
		// Its Cause is the breaker's refusal, not the context's.
		if s, ok := errors.AsType[grpcStatus](re.Last); !ok || s.GRPCStatus() == nil {
			return status.New(codes.Unavailable, msg)
		}
	} else if ok && re.Cause != nil {
		code := codes.Canceled
		if errors.Is(re.Reason, retry.ErrDeadline) {
			code = codes.DeadlineExceeded
		}
		return status.New(code, msg)
	}
	if s, ok := errors.AsType[grpcStatus](err); ok && s.GRPCStatus() != nil {
		p := s.GRPCStatus().Proto()
		p.Message = msg
		return status.FromProto(p)
	}
	switch {
	case errors.Is(err, retry.ErrInvalidOption):
		return status.New(codes.Internal, msg)
	case ok && errors.Is(re.Reason, retry.ErrDeadline):
		// The loop saw the caller's deadline pass before the context
		// ended, with no attempt's status to report.
		return status.New(codes.DeadlineExceeded, msg)
	}
	return status.New(codes.Unknown, msg)
}

// Error returns the loop's error's text, such as "retry: max attempts
// reached after 3 attempts: rpc error: code = Unavailable desc = …".
func (e *callError) Error() string { return e.err.Error() }

// Unwrap returns the loop's error, so that errors.Is and errors.As see the
// *retry.Error, its reason and the last attempt's error.
func (e *callError) Unwrap() error { return e.err }

// GRPCStatus returns the call's status, for status.FromError and
// status.Code.
func (e *callError) GRPCStatus() *status.Status { return e.st }

// RetryClass returns classify.Permanent: the call is over, and an outer
// retry loop must not retry it.
func (e *callError) RetryClass() classify.Class { return classify.Permanent }
