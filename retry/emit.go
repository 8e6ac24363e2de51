package retry

import (
	"context"

	"github.com/reflexio-go/reflexio/internal/observehook"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// emit hands e, an event of kind k, to every subscriber of c that takes k,
// in order: by value to a Func of E, as it is, so that an event that only
// such Funcs take is never boxed; boxed into an observe.Event, once, for
// every other. It is generic so that e reaches a Func as its own type.
func emit[E observe.Event](ctx context.Context, c *config, k observe.Kind, e E) {
	var boxed observe.Event
	if c.sub.kinds.Has(k) {
		hand(ctx, c.sub.s, e, &boxed)
	}
	for _, s := range c.subs {
		if s.kinds.Has(k) {
			hand(ctx, s.s, e, &boxed)
		}
	}
}

// hand hands e to s, as emit does, boxing it into *boxed if s needs it
// boxed and no other subscriber did before.
func hand[E observe.Event](ctx context.Context, s observe.Subscriber, e E, boxed *observe.Event) {
	if t, ok := s.(typed[E]); ok {
		t.f(e)
		return
	}
	if *boxed == nil {
		*boxed = e
	}
	s.Handle(ctx, *boxed)
}

// tell sends the event of kind about f, the failure it follows (or, for
// Success, only its time), to every subscriber that takes kind. cause is
// the call's Cause, for the events that end it. It is the one place where
// the loop's events are made, but the hedging ones (hedge.go).
func (r *run) tell(ctx context.Context, kind observe.Kind, f failure, cause error) {
	c := r.cfg
	op, n, class, err, elapsed := c.name, r.attempt, f.class, f.last, f.now.sub(r.start)
	rej := isRejected(err)
	switch kind {
	case observe.KindRetry:
		emit(ctx, c, kind, observe.Retry{Operation: op, Attempt: n, Class: class, Err: err, Rejected: rej, Delay: f.delay, RetryAfter: r.hint, Elapsed: elapsed})
	case observe.KindSuccess:
		emit(ctx, c, kind, observe.Success{Operation: op, Attempt: n, Elapsed: elapsed})
	case observe.KindBreakerRejected:
		e := observe.BreakerRejected{Operation: op, Attempt: n, Wait: f.delay, Elapsed: elapsed}
		if o, ok := f.refusal.(*breaker.OpenError); ok {
			e.Breaker, e.Until = o.Breaker, o.Until
		}
		emit(ctx, c, kind, e)
	case observe.KindPermanentFailure:
		emit(ctx, c, kind, observe.PermanentFailure{Operation: op, Attempt: n, Class: class, Err: err, Rejected: rej, Elapsed: elapsed})
	case observe.KindMaxAttemptsExceeded:
		emit(ctx, c, kind, observe.MaxAttemptsExceeded{Operation: op, Attempt: n, Class: class, Err: err, Rejected: rej, Elapsed: elapsed})
	case observe.KindMaxUnknownAttemptsExceeded:
		emit(ctx, c, kind, observe.MaxUnknownAttemptsExceeded{Operation: op, Attempt: n, Class: class, Err: err, Rejected: rej, Elapsed: elapsed})
	case observe.KindMaxClassAttemptsExceeded:
		emit(ctx, c, kind, observe.MaxClassAttemptsExceeded{Operation: op, Attempt: n, Class: class, Err: err, Rejected: rej, Elapsed: elapsed})
	case observe.KindDeadlineExceeded:
		emit(ctx, c, kind, observe.DeadlineExceeded{Operation: op, Attempt: n, Class: class, Err: err, Rejected: rej, Delay: f.delay, Cause: cause, Elapsed: elapsed})
	case observe.KindBudgetExhausted:
		emit(ctx, c, kind, observe.BudgetExhausted{Operation: op, Attempt: n, Class: class, Err: err, Rejected: rej, Delay: f.delay, Elapsed: elapsed})
	case observe.KindCancelled:
		emit(ctx, c, kind, observe.Cancelled{Operation: op, Attempt: n, Class: class, Err: err, Rejected: rej, Cause: cause, Elapsed: elapsed})
	default:
		panic("retry: no event of kind " + kind.String()) // every ending has a kind above
	}
}

// typed is an observe.Func of the event struct type E as the loop keeps
// it: emit calls f with an event of type E directly, by value. It holds f
// alone, so that it fits in a Subscriber's data word, as the Func does: a
// subscriber given at the call site stays free.
type typed[E observe.Event] struct{ f func(E) }

// Handle is what the Func's Handle does, for callers that hold a boxed
// event: emit never calls it.
func (t typed[E]) Handle(_ context.Context, e observe.Event) {
	if e, ok := e.(E); ok {
		t.f(e)
	}
}

// typedOf returns s as the loop keeps it: an observe.Func of an event
// struct type as a typed of that type, any other subscriber as it is.
func typedOf(s observe.Subscriber) observe.Subscriber {
	switch f := observehook.Func(s).(type) {
	case func(observe.Retry):
		return typed[observe.Retry]{f}
	case func(observe.Success):
		return typed[observe.Success]{f}
	case func(observe.PermanentFailure):
		return typed[observe.PermanentFailure]{f}
	case func(observe.MaxAttemptsExceeded):
		return typed[observe.MaxAttemptsExceeded]{f}
	case func(observe.MaxUnknownAttemptsExceeded):
		return typed[observe.MaxUnknownAttemptsExceeded]{f}
	case func(observe.MaxClassAttemptsExceeded):
		return typed[observe.MaxClassAttemptsExceeded]{f}
	case func(observe.DeadlineExceeded):
		return typed[observe.DeadlineExceeded]{f}
	case func(observe.BudgetExhausted):
		return typed[observe.BudgetExhausted]{f}
	case func(observe.Cancelled):
		return typed[observe.Cancelled]{f}
	case func(observe.BreakerRejected):
		return typed[observe.BreakerRejected]{f}
	case func(observe.HedgeStarted):
		return typed[observe.HedgeStarted]{f}
	case func(observe.HedgeWon):
		return typed[observe.HedgeWon]{f}
	case func(observe.HedgeCancelled):
		return typed[observe.HedgeCancelled]{f}
	}
	return s // the loop sends no other event by value
}
