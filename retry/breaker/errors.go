package breaker

import (
	"errors"
	"strconv"
	"time"
)

// ErrOpen is matched (with errors.Is) by the error of Allow when the
// breaker refuses an attempt: an *OpenError.
var ErrOpen = errors.New("breaker: open")

// An OpenError is the error of Allow when the breaker refuses an attempt,
// because it is open, or half-open with as many probes in flight as it
// allows. It matches ErrOpen. The attempt must not be made, and counts as
// none.
type OpenError struct {
	Breaker string // the breaker's name
	// Until is when the breaker may admit the next attempt: the end of the
	// break if it is open; if half-open, a guess, a tenth of BreakDuration
	// from the refusal, since it depends on when the probes in flight
	// end. Wait is how long that is from the refusal.
	Until time.Time
	Wait  time.Duration
}

// Error returns "breaker: open", with the breaker's name if it has one,
// and the wait, such as `breaker: "users" open for 4.2s`.
func (e *OpenError) Error() string {
	s := "breaker: "
	if e.Breaker != "" {
		s += strconv.Quote(e.Breaker) + " "
	}
	return s + "open for " + e.Wait.String()
}

// Is reports whether target is ErrOpen.
func (e *OpenError) Is(target error) bool { return target == ErrOpen }
