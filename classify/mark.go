package classify

import "time"

// Mark returns err marked as class c, for the author of an operation who
// knows the class where the error is made. Default classifies the result as
// c before looking at anything else in its tree (in a Chain, the rules
// before Default are still asked first). c should be one of the constants;
// Default reads any other value as Unknown.
//
// The result reads and unwraps exactly as err: errors.Is and errors.As see
// through it, and its Error method returns err's text. Mark returns nil when
// err is nil, as every marker in this package does, so that this is safe on
// every path:
//
//	return v, classify.MarkTransient(err)
func Mark(err error, c Class) error {
	if err == nil {
		return nil
	}
	return &marked{err: err, class: c}
}

// MarkPermanent marks err as Permanent: the retry loop stops at once.
func MarkPermanent(err error) error { return Mark(err, Permanent) }

// MarkConcurrency marks err as Concurrency.
func MarkConcurrency(err error) error { return Mark(err, Concurrency) }

// MarkServerError marks err as ServerError.
func MarkServerError(err error) error { return Mark(err, ServerError) }

// MarkTransient marks err as Transient.
func MarkTransient(err error) error { return Mark(err, Transient) }

// MarkUnknown marks err as Unknown, which stops the default classifier from
// looking further: codes and standard-library knowledge deeper in err's tree
// are ignored. A Chain still asks the classifiers after Default, which see
// the error as it is.
func MarkUnknown(err error) error { return Mark(err, Unknown) }

// MarkRateLimit marks err as RateLimit and attaches the server's hint of how
// long to wait before the next attempt, which RetryAfter finds; zero or
// negative means no hint, and a deeper hint in err's tree is then used.
//
// The retry loop waits at least the hint, within the cap set by
// retry.MaxRetryAfter, and stops at once when the wait does not fit before
// its deadline.
func MarkRateLimit(err error, retryAfter time.Duration) error {
	if err == nil {
		return nil
	}
	return &marked{err: err, class: RateLimit, hint: retryAfter}
}

// WithRetryAfter attaches a server's hint of how long to wait before the next
// attempt to err, without stating a class: use it for a 503 with a
// Retry-After header, where the class comes from the status code. Zero or
// negative means no hint. Like the markers, it returns nil when err is nil,
// and the result reads and unwraps exactly as err.
func WithRetryAfter(err error, retryAfter time.Duration) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: retryAfter}
}

// Strip returns the error that err's outermost markers wrap, peeling every
// marker and hint this package put directly around it, and returns err itself
// when it is not one. Markers deeper in the tree, under an error of another
// type, stay where they are. The retry loop reports the last attempt's error
// stripped, so that what reaches the caller is the operation's own error.
func Strip(err error) error {
	for {
		switch m := err.(type) {
		case *marked:
			err = m.err
		case *hinted:
			err = m.err
		default:
			return err
		}
	}
}

// RetryAfter returns the first positive server hint of how long to wait that
// err's tree carries, in the order errors.Is visits it, from MarkRateLimit,
// WithRetryAfter or any error with a method RetryAfter() time.Duration. A
// hint that is zero or negative is skipped, so it never hides a deeper one.
// RetryAfter reports false when there is no positive hint. The value is
// untrusted input: the retry loop caps it.
func RetryAfter(err error) (time.Duration, bool) {
	// walk (tree.go), written out for this one question: the retry loop
	// asks it on every failure, and walk's call of a closure per error
	// cost more than the rest of the walk through the usual tree, a chain
	// of markers around a plain error. One type switch per error, whose
	// answer the runtime caches for each type it meets: this package's
	// wrappers first, by their concrete types, then every way an error can
	// have a hint and be unwrapped, in the order walk asks.
	for err != nil {
		switch e := err.(type) {
		case *marked:
			if e.hint > 0 {
				return e.hint, true
			}
			err = e.err
		case *hinted:
			if e.hint > 0 {
				return e.hint, true
			}
			err = e.err
		case interface {
			RetryAfter() time.Duration
			Unwrap() error
		}:
			if hint := e.RetryAfter(); hint > 0 {
				return hint, true
			}
			err = e.Unwrap()
		case interface {
			RetryAfter() time.Duration
			Unwrap() []error
		}:
			if hint := e.RetryAfter(); hint > 0 {
				return hint, true
			}
			return retryAfterIn(e.Unwrap())
		case interface{ RetryAfter() time.Duration }:
			if hint := e.RetryAfter(); hint > 0 {
				return hint, true
			}
			return 0, false
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			return retryAfterIn(e.Unwrap())
		default:
			return 0, false
		}
	}
	return 0, false
}

// retryAfterIn returns the first positive hint of errs, the errors that one
// error wraps, in order, as RetryAfter does for each.
func retryAfterIn(errs []error) (time.Duration, bool) {
	for _, e := range errs {
		if hint, ok := RetryAfter(e); ok {
			return hint, true
		}
	}
	return 0, false
}

// Classed is implemented by errors that state their own class, as the markers
// of this package do. The default classifier honours the first Classed error
// in a tree before anything else. Implement it on your own error types to
// classify them where they are defined; RetryClass should return one of the
// constants, and Default reads any other value as Unknown.
type Classed interface {
	error
	RetryClass() Class
}

type marked struct {
	err   error
	class Class
	hint  time.Duration
}

func (m *marked) Error() string             { return m.err.Error() }
func (m *marked) Unwrap() error             { return m.err }
func (m *marked) RetryClass() Class         { return m.class }
func (m *marked) RetryAfter() time.Duration { return m.hint }

type hinted struct {
	err  error
	hint time.Duration
}

func (h *hinted) Error() string             { return h.err.Error() }
func (h *hinted) Unwrap() error             { return h.err }
func (h *hinted) RetryAfter() time.Duration { return h.hint }
