package classify

// walk calls f on err and on every error in its tree, depth first in the
// order errors.Is visits them, until f returns true, and reports whether it
// did.
//
// Unlike errors.As, which stops at the first error of the wanted type, walk
// goes on past an error that has the wanted method but the wrong answer: a
// wrapper whose Timeout() is false, or whose RetryAfter() is zero, must not
// hide a deeper error that says otherwise.
func walk(err error, f func(error) bool) bool {
	for err != nil {
		if f(err) {
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if walk(e, f) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}
