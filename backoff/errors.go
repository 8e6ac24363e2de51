package backoff

import (
	"errors"
	"fmt"
	"time"

	"github.com/reflexio-go/reflexio/internal/typednil"
)

// errNilStrategy is what Validate reports about a nil Strategy.
var errNilStrategy = errors.New("backoff: strategy is nil")

// invalid returns the error that Validate reports about a bad parameter of
// s. The message starts with s as it prints itself, which names the package,
// so that an error from deep inside nested decorators still points at the
// strategy at fault.
func invalid(s fmt.Stringer, format string, args ...any) error {
	return fmt.Errorf("%v: %s", s, fmt.Sprintf(format, args...))
}

// checkBaseCap reports about s whether base and cap describe a growing
// delay. It is generic so that s becomes an interface, which allocates,
// only on the way to an error.
func checkBaseCap[S fmt.Stringer](s S, base, cap time.Duration) error {
	switch {
	case base < 0:
		return invalid(s, "base %v must not be negative", base)
	case cap < 0:
		return invalid(s, "cap %v must not be negative", cap)
	case cap < base:
		return invalid(s, "cap %v must not be less than base %v", cap, base)
	}
	return nil
}

// validateInner reports a nil strategy wrapped by the decorator d, or what
// the strategy itself reports, unchanged. Like checkBaseCap, it is generic
// so as not to allocate unless it fails.
func validateInner[D fmt.Stringer](d D, s Strategy) error {
	if s == nil {
		return invalid(d, "strategy is nil")
	}
	if _, ok := s.(Func); !ok && typednil.Is(s) {
		return invalid(d, "strategy is a nil %T", s)
	}
	return Validate(s)
}
