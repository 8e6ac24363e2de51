package classify

import "strconv"

// A Class is a coarse kind of failure. The retry loop looks only at the class
// of an error, never at the error itself, to decide whether to retry it, how
// many times, and with which backoff strategy.
//
// The zero value is Unknown.
type Class uint8

// The classes: Unknown, the zero value, then Permanent, never retried, and
// the retryable ones. Their order is not part of the API; use them by name.
const (
	// Unknown is an error no classifier recognised. It is retried, but only a
	// few times (see retry.MaxUnknownAttempts), because retrying an error
	// nobody understands is a guess.
	Unknown Class = iota

	// Permanent is an error that will fail the same way on every attempt: bad
	// input, a missing resource, a refused credential, a broken certificate.
	// It is never retried.
	Permanent

	// Concurrency is a conflict with concurrent work that a fresh attempt may
	// win: a serialization failure, a deadlock victim, an optimistic-lock
	// conflict, HTTP 409.
	Concurrency

	// RateLimit is the server asking the client to slow down: HTTP 429, a
	// throttling error. It usually deserves a longer backoff and often comes
	// with a hint of how long to wait (see RetryAfter).
	RateLimit

	// ServerError is a failure on the server's side that another attempt may
	// not meet: HTTP 5xx.
	ServerError

	// Transient is a failure of the path to the server that is expected to
	// pass: a timeout, a reset or refused connection, an unexpected EOF.
	Transient
)

// NumClasses is the number of classes. Every Class c with c < NumClasses is one
// of the constants above, so arrays indexed by Class can be sized with it.
const NumClasses = int(Transient) + 1

var classNames = [NumClasses]string{
	Unknown:     "Unknown",
	Permanent:   "Permanent",
	Concurrency: "Concurrency",
	RateLimit:   "RateLimit",
	ServerError: "ServerError",
	Transient:   "Transient",
}

// String returns the class's name as written in Go, such as "RateLimit", or
// "Class(9)" for a value that is not one of the constants.
func (c Class) String() string {
	if int(c) < NumClasses {
		return classNames[c]
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// Retryable reports whether errors of class c may be retried: every class
// but Permanent. A value that is not one of the constants is not retryable.
func (c Class) Retryable() bool {
	return c != Permanent && int(c) < NumClasses
}
