package retry

import (
	"context"
	"time"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry/breaker"
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

// tell sends the event of kind about f, the failure it follows (or, for
// Success, only its time), to every subscriber that takes kind. cause is
// the call's Cause, for the events that end it.
func (r *run) tell(ctx context.Context, kind observe.Kind, f failure, cause error) {
	r.emit(ctx, event(kind, observe.Info{
		Operation: r.cfg.name,
		Attempt:   r.attempt,
		Elapsed:   f.now.sub(r.start),
		Failed:    f.last != nil,
		Class:     f.class,
		Err:       f.last,
		Rejected:  isRejected(f.last),
		Delay:     f.delay,
		Cause:     cause,
	}, r.hint, f.refusal))
}

// event builds the event of kind from what every event has in common,
// hint, the server's hint that a Retry carries, and refusal, the Breaker's
// that a BreakerRejected tells of. It is the one place where the loop's
// events are made.
func event(kind observe.Kind, i observe.Info, hint time.Duration, refusal error) observe.Event {
	switch kind {
	case observe.KindBreakerRejected:
		e := observe.BreakerRejected{Operation: i.Operation, Attempt: i.Attempt, Wait: i.Delay, Elapsed: i.Elapsed}
		if o, ok := refusal.(*breaker.OpenError); ok {
			e.Breaker, e.Until = o.Breaker, o.Until
		}
		return e
	case observe.KindSuccess:
		return observe.Success{Operation: i.Operation, Attempt: i.Attempt, Elapsed: i.Elapsed}
	case observe.KindRetry:
		return observe.Retry{Operation: i.Operation, Attempt: i.Attempt, Class: i.Class, Err: i.Err, Rejected: i.Rejected, Delay: i.Delay, RetryAfter: hint, Elapsed: i.Elapsed}
	case observe.KindPermanentFailure:
		return observe.PermanentFailure{Operation: i.Operation, Attempt: i.Attempt, Class: i.Class, Err: i.Err, Rejected: i.Rejected, Elapsed: i.Elapsed}
	case observe.KindMaxAttemptsExceeded:
		return observe.MaxAttemptsExceeded{Operation: i.Operation, Attempt: i.Attempt, Class: i.Class, Err: i.Err, Rejected: i.Rejected, Elapsed: i.Elapsed}
	case observe.KindMaxUnknownAttemptsExceeded:
		return observe.MaxUnknownAttemptsExceeded{Operation: i.Operation, Attempt: i.Attempt, Class: i.Class, Err: i.Err, Rejected: i.Rejected, Elapsed: i.Elapsed}
	case observe.KindMaxClassAttemptsExceeded:
		return observe.MaxClassAttemptsExceeded{Operation: i.Operation, Attempt: i.Attempt, Class: i.Class, Err: i.Err, Rejected: i.Rejected, Elapsed: i.Elapsed}
	case observe.KindDeadlineExceeded:
		return observe.DeadlineExceeded{Operation: i.Operation, Attempt: i.Attempt, Class: i.Class, Err: i.Err, Rejected: i.Rejected, Delay: i.Delay, Cause: i.Cause, Elapsed: i.Elapsed}
	case observe.KindBudgetExhausted:
		return observe.BudgetExhausted{Operation: i.Operation, Attempt: i.Attempt, Class: i.Class, Err: i.Err, Rejected: i.Rejected, Delay: i.Delay, Elapsed: i.Elapsed}
	case observe.KindCancelled:
		return observe.Cancelled{Operation: i.Operation, Attempt: i.Attempt, Class: i.Class, Err: i.Err, Rejected: i.Rejected, Cause: i.Cause, Elapsed: i.Elapsed}
	}
	panic("retry: no event of kind " + kind.String()) // every ending has a kind above
}
