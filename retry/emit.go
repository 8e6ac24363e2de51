package retry

import (
	"context"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

// emit sends e to every subscriber that takes its kind.
func (r *run) emit(ctx context.Context, e observe.Event) {
	k := e.Kind()
	for _, s := range r.cfg.subs {
		if s.kinds.Has(k) {
			s.s.Handle(ctx, e)
		}
	}
}

// stopKinds maps each reason to the kind of the event that tells of it.
var stopKinds = map[error]observe.Kind{
	ErrPermanent:          observe.KindPermanentFailure,
	ErrMaxAttempts:        observe.KindMaxAttemptsExceeded,
	ErrMaxUnknownAttempts: observe.KindMaxUnknownAttemptsExceeded,
	ErrMaxClassAttempts:   observe.KindMaxClassAttemptsExceeded,
	ErrDeadline:           observe.KindDeadlineExceeded,
	ErrCancelled:          observe.KindCancelled,
	ErrBudgetExhausted:    observe.KindBudgetExhausted,
}

// emitStop sends the event that tells why the call stopped, if a subscriber
// takes it; otherwise it builds nothing.
func (r *run) emitStop(ctx context.Context, reason, last error, class classify.Class, delay time.Duration, cause error, now time.Time) {
	if r.cfg.kinds == 0 || !r.cfg.kinds.Has(stopKinds[reason]) {
		return
	}
	op, n, elapsed := r.cfg.name, r.attempt, now.Sub(r.start)
	var e observe.Event
	switch reason {
	case ErrPermanent:
		e = observe.PermanentFailure{Operation: op, Attempt: n, Class: class, Err: last, Elapsed: elapsed}
	case ErrMaxAttempts:
		e = observe.MaxAttemptsExceeded{Operation: op, Attempt: n, Class: class, Err: last, Elapsed: elapsed}
	case ErrMaxUnknownAttempts:
		e = observe.MaxUnknownAttemptsExceeded{Operation: op, Attempt: n, Class: class, Err: last, Elapsed: elapsed}
	case ErrMaxClassAttempts:
		e = observe.MaxClassAttemptsExceeded{Operation: op, Attempt: n, Class: class, Err: last, Elapsed: elapsed}
	case ErrDeadline:
		e = observe.DeadlineExceeded{Operation: op, Attempt: n, Class: class, Err: last, Delay: delay, Cause: cause, Elapsed: elapsed}
	case ErrBudgetExhausted:
		e = observe.BudgetExhausted{Operation: op, Attempt: n, Class: class, Err: last, Delay: delay, Elapsed: elapsed}
	case ErrCancelled:
		e = observe.Cancelled{Operation: op, Attempt: n, Class: class, Err: last, Cause: cause, Elapsed: elapsed}
	}
	r.emit(ctx, e)
}
