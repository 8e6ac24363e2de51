package retrygrpc

import (
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/reflexio-go/reflexio/classify"
)

// Classifier returns a classify.Classifier for the errors of gRPC calls,
// for code that calls retry.Do itself around a gRPC client:
//
//	retry.Classifier(classify.Chain(retrygrpc.Classifier(), classify.Default()))
//
// It looks at err's tree in two steps, as classify.Default does:
//
//  1. Markers: the first error in the tree that states its class
//     (classify.Mark and the like, any classify.Classed error) decides,
//     before any status. A *retry.Error, an Interceptor's error and the
//     error of a server's refusal to be retried (ErrPushback) state
//     Permanent, so that a call that a retry loop gave up on is not
//     retried again by an outer one.
//  2. The status: the code of the first error in the tree with a
//     GRPCStatus method (what status.FromError finds), as CodeClass maps
//     it.
//
// An error with no gRPC status, such as a network error from a dialer of
// your own, gets no opinion (Unknown), so that the next classifier of a
// chain decides. The Classifier is safe for concurrent use.
//
// It knows codes, not methods: a loop of your own that it drives retries
// an Internal or a DeadlineExceeded whatever the method, so keep such
// loops to idempotent calls. (An Interceptor applies the rules of
// Idempotent on top of it.)
func Classifier() classify.Classifier { return classifier{} }

type classifier struct{}

// grpcStatus is what status.FromError looks for in an error's tree.
type grpcStatus interface {
	error
	GRPCStatus() *status.Status
}

func (classifier) Classify(err error) classify.Class {
	if m, ok := errors.AsType[classify.Classed](err); ok {
		if c := m.RetryClass(); int(c) < classify.NumClasses {
			return c
		}
		return classify.Unknown // an invented class is not trusted
	}
	if s, ok := errors.AsType[grpcStatus](err); ok {
		return CodeClass(s.GRPCStatus().Code()) // a nil Status is OK: no opinion
	}
	return classify.Unknown
}

func (classifier) String() string { return "retrygrpc.Classifier()" }

// CodeClass returns the class of a gRPC status code:
//
//	Unavailable                                        Transient
//	DeadlineExceeded                                   Transient
//	ResourceExhausted                                  RateLimit
//	Aborted                                            Concurrency
//	Internal, Unknown                                  ServerError
//	InvalidArgument, NotFound, AlreadyExists,
//	PermissionDenied, Unauthenticated,
//	FailedPrecondition, OutOfRange, Unimplemented,
//	DataLoss, Canceled                                 Permanent
//	OK and codes gRPC does not define                  Unknown
//
// DeadlineExceeded is Transient because a deadline of one attempt (see
// retry.AttemptTimeout), or the server's own, may be met by the next; the
// retry loop stops before classifying when the caller's context is done,
// so the caller's own deadline is never retried. Canceled is Permanent for
// the same reason: the caller's cancellation stops the loop first, and
// any other Canceled, such as a ClientConn that is closing, will not go
// away on its own.
//
// ResourceExhausted also reports a message larger than a client's or
// server's limit, which no retry cures; it is retried as a rate limit all
// the same, within the loop's caps and budget.
func CodeClass(c codes.Code) classify.Class {
	switch c {
	case codes.Unavailable, codes.DeadlineExceeded:
		return classify.Transient
	case codes.ResourceExhausted:
		return classify.RateLimit
	case codes.Aborted:
		return classify.Concurrency
	case codes.Internal, codes.Unknown:
		return classify.ServerError
	case codes.InvalidArgument, codes.NotFound, codes.AlreadyExists,
		codes.PermissionDenied, codes.Unauthenticated, codes.FailedPrecondition,
		codes.OutOfRange, codes.Unimplemented, codes.DataLoss, codes.Canceled:
		return classify.Permanent
	}
	return classify.Unknown
}
