package classify

import "time"

// Markers let the author of an operation state an error's class where it is
// known, instead of leaving it to a classifier to guess. A marked error reads
// and unwraps exactly as the error it marks: errors.Is and errors.As see
// through it, and its Error method returns the marked error's text.
//
// Each marker returns nil when err is nil, so `return v, classify.MarkTransient(err)`
// is safe on every path.

// Mark returns err marked as class c. The default classifier, and any chain
// that includes it, classifies the result as c, before looking at anything
// else in its tree.
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
// are ignored.
func MarkUnknown(err error) error { return Mark(err, Unknown) }

// MarkRateLimit marks err as RateLimit and attaches the server's hint of how
// long to wait before the next attempt; zero or negative means no hint.
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
// negative means no hint. It returns nil when err is nil.
func WithRetryAfter(err error, retryAfter time.Duration) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: retryAfter}
}

// Strip returns the error that err's outermost markers wrap, peeling every
// marker this package put directly around it. Errors deeper in the tree are
// untouched. The retry loop reports the last attempt's error stripped, so
// that what reaches the caller is the operation's own error.
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

// RetryAfter returns the first server hint of how long to wait that err's tree
// carries, from MarkRateLimit, WithRetryAfter or any error with a method
// RetryAfter() time.Duration. It reports false when there is none or the hint
// is not positive. The value is untrusted input: the retry loop clamps it.
func RetryAfter(err error) (time.Duration, bool) {
	// Not errors.AsType: a marker without a hint, or a user's type whose
	// RetryAfter returns zero, must not hide a hint deeper in the tree.
	for err != nil {
		if h, ok := err.(interface{ RetryAfter() time.Duration }); ok {
			if d := h.RetryAfter(); d > 0 {
				return d, true
			}
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if d, ok := RetryAfter(e); ok {
					return d, true
				}
			}
			return 0, false
		default:
			return 0, false
		}
	}
	return 0, false
}

// Classed is implemented by errors that state their own class, as the markers
// of this package do. The default classifier honours it before anything else.
// Implement it on your own error types to classify them where they are
// defined.
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
