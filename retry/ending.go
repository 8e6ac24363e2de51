package retry

import (
	"context"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

// An ending is a way for a call to end in failure: the reason its *Error
// carries, and the kind of the event that tells of it. Every way a call
// gives up is one of the values below, and every one goes through stop: a
// new way (a breaker that is open, a result that is rejected) is one more
// value here and one more case in event.
type ending struct {
	reason error
	kind   observe.Kind
	// byContext: the caller's context ended the call, and its cause is the
	// call's Cause.
	byContext bool
}

var (
	endPermanent   = ending{reason: ErrPermanent, kind: observe.KindPermanentFailure}
	endMaxAttempts = ending{reason: ErrMaxAttempts, kind: observe.KindMaxAttemptsExceeded}
	endUnknownCap  = ending{reason: ErrMaxUnknownAttempts, kind: observe.KindMaxUnknownAttemptsExceeded}
	endClassCap    = ending{reason: ErrMaxClassAttempts, kind: observe.KindMaxClassAttemptsExceeded}
	endDeadline    = ending{reason: ErrDeadline, kind: observe.KindDeadlineExceeded}
	endBudget      = ending{reason: ErrBudgetExhausted, kind: observe.KindBudgetExhausted}
	endBreakerOpen = ending{reason: ErrBreakerOpen, kind: observe.KindBreakerRejected}

	endCancelled       = ending{reason: ErrCancelled, kind: observe.KindCancelled, byContext: true}
	endContextDeadline = ending{reason: ErrDeadline, kind: observe.KindDeadlineExceeded, byContext: true}
)

// contextEnding returns the ending of a call whose context is done.
func contextEnding(ctx context.Context) ending {
	if ctx.Err() == context.DeadlineExceeded {
		return endContextDeadline
	}
	return endCancelled
}

// A failure is what the loop knows of the attempt that failed last, when
// it decides what comes next.
type failure struct {
	last  error // the attempt's error, with any classify marker removed; nil if none ran
	class classify.Class
	delay time.Duration // the wait planned after it; zero until planned
	now   instant       // when it was judged; zero if nothing needed the time

	// refusal is the Breaker's refusal of the next attempt, for the
	// BreakerRejected event that tells of it and for the *Error of a call
	// that it ends; nil if none.
	refusal error
}

// stop ends the call as end says, after f: it tells the subscribers that
// take end's kind, and returns the *Error. It is the one way a call gives
// up.
func (r *run) stop(ctx context.Context, end ending, f failure) error {
	var cause error
	switch {
	case end.byContext:
		cause = context.Cause(ctx)
	case end.reason == ErrBreakerOpen:
		cause = f.refusal
	case end.reason == ErrDeadline && r.cfg.deadline > 0 && f.now != 0 && f.now.sub(r.start) >= r.cfg.deadline:
		cause = deadlineCause(r.cfg.deadline) // as the attempts' context says
	}
	if r.cfg.kinds.Has(end.kind) {
		if f.now == 0 {
			f.now = r.now()
		}
		r.tell(ctx, end.kind, f, cause)
	}
	return &Error{Reason: end.reason, Attempts: r.attempt, Last: f.last, Class: f.class, Cause: cause}
}
