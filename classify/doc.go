// Package classify maps errors to coarse classes, the only thing the retry
// loop looks at when it decides whether, how often and how patiently to
// retry.
//
// # Classes
//
// A [Class] is one of [Permanent], [Concurrency], [RateLimit], [ServerError],
// [Transient] and [Unknown] (the zero value). Permanent is never retried;
// Unknown is retried only a few times; the others are retried within the
// loop's caps, each with the backoff strategy chosen for it.
//
// # Classifiers
//
// A [Classifier] turns an error into a Class. [Default] knows markers, HTTP
// status codes ([HTTPStatus]), SQLSTATEs ([SQLState]) and the standard
// library's network and TLS errors. Rules compose: [Is] matches an error
// value, [As] an error type, [Match] inspects an error of one type, [Func]
// adapts a function, and [Chain] asks each in turn until one has an opinion
// (a class other than Unknown). [ByTypeName] adds the name heuristics of the
// Python reflexio, opt-in. Every classifier in this package is safe for
// concurrent use.
//
// [Validate] reports a classifier that cannot work: a nil one, a nil pointer
// or function (such as a nil Func), an Is of a nil target, a Match of a nil
// function, a class that is not one of the constants, or a Chain with such
// a member. retry.Classifier calls it, so that such a classifier fails the
// call before any attempt. A classifier that panics is not recovered: the
// panic unwinds the call that asked it, as one in the operation does.
//
// # Markers
//
// The author of an operation who knows an error's class says so where the
// error is made: [MarkPermanent], [MarkTransient], [MarkRateLimit] with the
// server's retry-after hint, and the rest, or an error type of their own that
// implements [Classed]. Markers are invisible to errors.Is, errors.As and
// Error, and return nil for a nil error; [Default] honours them before
// anything else. [Strip] peels them off again.
//
// # Server hints
//
// How long a server asked the client to wait travels with the error, not with
// the class: [RetryAfter] finds it in any error's tree, whether it was
// attached by [MarkRateLimit] or [WithRetryAfter] or comes from an error type
// with a RetryAfter() time.Duration method. So a hint survives any chain of
// classifiers, and the retry loop honours it within its caps.
// [ParseRetryAfter] turns an HTTP Retry-After header, delay-seconds or an
// HTTP-date, into such a hint, never negative whatever the server sent.
package classify
