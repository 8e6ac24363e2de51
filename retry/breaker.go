package retry

import (
	"context"
	"errors"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// Breaker makes every attempt of the call ask b first, a circuit breaker
// shared by every call to one downstream (see package retry/breaker, and
// Breakers for one per host or service). An attempt that b refuses is not
// made: it does not reach the downstream, counts as no attempt, spends no
// budget and tells the breaker nothing. The call then waits until b
// admits its next probe, if that wait ends before the deadline (its
// refusal's OpenError.Wait, spread at random over up to half as long
// again, so that the calls waiting for one breaker do not all come back
// at once), and asks again; if it would not, it gives up
// at once with ErrBreakerOpen, whose *Error keeps the refusal as its Cause
// (errors.Is(err, breaker.ErrOpen) holds) and the last attempt's error, if
// one was made. The time of MaxRetryTime counts from the first failure or
// refusal, whichever comes first. Each refusal sends a BreakerRejected
// event.
//
// Each attempt that b admits tells it how it ended: a success, a failure
// of its class (with the server's hint of a RateLimit failure, which opens
// b for that long), or nothing when the caller's context ended it. A value
// that a result classifier rejected (ClassifyResult, Poll) is an answer of
// the downstream: b counts it as a success. So does an attempt whose own
// loop, nested in it, gave up: put breakers on the innermost loop, around
// the calls that reach the downstream. An error that says it is Permanent
// around another one (classify.MarkPermanent, or an integration's "not
// retried: not idempotent") counts by the class of the error it wraps: a
// POST that got a 503 is not retried, and still speaks of the
// downstream's health.
//
// A nil b fails the call with ErrInvalidOption before any attempt; so does
// one that cannot work (breaker.New of an invalid Config, the zero
// Breaker), and then errors.Is also finds breaker.ErrInvalidConfig in the
// error. The last Breaker or NoBreaker of a call wins.
//
// Default: none.
func Breaker(b *breaker.Breaker) Option { return breakerOption{b: b} }

// NoBreaker removes the Breaker that an earlier option, such as a bundle's,
// set.
//
// Default: no Breaker to remove.
func NoBreaker() Option { return breakerOption{none: true} }

// breakerOption is Breaker's and NoBreaker's Option. It has two fields, so
// that it is not pointer-shaped (see the note on escapes in applyOne).
type breakerOption struct {
	b    *breaker.Breaker
	none bool // NoBreaker
}

func (o breakerOption) String() string {
	switch {
	case o.none:
		return "NoBreaker()"
	case o.b == nil:
		return "Breaker(nil)"
	}
	return "Breaker(" + o.b.String() + ")"
}

func (o breakerOption) apply(c *config) {
	switch {
	case o.none:
		c.breaker = nil
	case o.b == nil:
		c.fail("Breaker(nil)", "the breaker is nil")
	case o.b.Err() != nil:
		c.failWith("Breaker", o.b.Err())
	default:
		c.breaker = o.b
	}
}

// admitClosed reports whether the first attempt of a call with breaker b
// (nil: none) may go without set-up: with no breaker, or with a closed
// one, whose permit it then puts in p. Small enough to inline.
func admitClosed(b *breaker.Breaker, p *breaker.Permit) bool {
	if b == nil {
		return true
	}
	var ok bool
	*p, ok = b.AllowClosed()
	return ok
}

// admit asks the call's breaker to let the next attempt go, and waits while
// it refuses, as long as the wait fits before the deadline. It returns nil
// when the attempt may go, with its permit in permit, or the *Error of the
// call when it gives up. last is the failure of the attempt before, if
// there was one: a pointer, since copying it on every attempt cost more
// than the closed breaker's own work.
func (r *run) admit(ctx context.Context, last *failure, permit *breaker.Permit) error {
	if p, ok := r.cfg.breaker.AllowClosed(); ok { // inlined: no call
		*permit = p
		return nil
	}
	p, err := r.cfg.breaker.Allow()
	if err == nil {
		*permit = p
		return nil
	}
	return r.refused(ctx, *last, permit, err)
}

// refused is admit after the breaker refused an attempt with err.
func (r *run) refused(ctx context.Context, last failure, permit *breaker.Permit, err error) error {
	for {
		refusal, ok := errors.AsType[*breaker.OpenError](err)
		if !ok { // a breaker that broke after the option took it: never
			return r.stop(ctx, endBreakerOpen, failure{last: last.last, class: last.class, refusal: err})
		}
		now := r.now()
		r.joinDeadlines(ctx, now)
		// A wait of at least a millisecond: a refusal that says "now" must
		// not make the loop spin.
		wait := max(refusal.Wait, time.Millisecond)
		f := failure{last: last.last, class: last.class, delay: wait, now: now, refusal: refusal}
		if !r.fits(wait, now) {
			return r.stop(ctx, endBreakerOpen, f)
		}
		// Spread over up to half as long again, if that fits too, so that
		// the calls that wait for one breaker do not all ask it again at
		// the same instant, and rush the downstream when it closes.
		if spread := wait + time.Duration(r.cfg.random()*float64(wait/2)); r.fits(spread, now) {
			wait, f.delay = spread, spread
		}
		if r.cfg.kinds.Has(observe.KindBreakerRejected) {
			r.tell(ctx, observe.KindBreakerRejected, f, nil)
		}
		if !r.wait(ctx, wait) {
			return r.stop(ctx, contextEnding(ctx), failure{last: last.last, class: last.class})
		}
		if now := r.now(); r.pastDeadline(now) {
			return r.stop(ctx, endDeadline, failure{last: last.last, class: last.class, now: now})
		}
		var p breaker.Permit
		if p, err = r.cfg.breaker.Allow(); err == nil {
			*permit = p
			return nil
		}
	}
}

// healthClass returns the class by which the breaker counts err, an
// attempt's error of class: class itself, but for an error that says it
// is Permanent (classify.Classed) around another one, such as a request
// that must not be sent again because it is not idempotent, or a marker:
// that one stops the retries, not the question of the downstream's
// health, which the error it wraps first answers.
func (r *run) healthClass(err error, class classify.Class) classify.Class {
	if class != classify.Permanent || isRejected(err) {
		return class
	}
	word, ok := errors.AsType[classify.Classed](err)
	if !ok || word.RetryClass() != classify.Permanent {
		return class
	}
	var inner error
	switch u := word.(type) {
	case interface{ Unwrap() error }:
		inner = u.Unwrap()
	case interface{ Unwrap() []error }:
		if errs := u.Unwrap(); len(errs) > 0 {
			inner = errs[0]
		}
	}
	if inner == nil {
		return class
	}
	if _, nested := errors.AsType[*Error](inner); nested {
		return class // a loop inside the attempt gave up: its breaker counted
	}
	return r.classify(inner, false)
}

// report tells the call's breaker, through p, how the attempt it admitted
// ended: err is the attempt's error (nil: a success), class its class.
func report(ctx context.Context, p *breaker.Permit, err error, class classify.Class) {
	switch {
	case err == nil || isRejected(err):
		p.Success()
	case ctx.Err() != nil:
		p.Cancel() // the caller ended it: no word on the downstream
	default:
		var hint time.Duration
		if class == classify.RateLimit {
			hint, _ = classify.RetryAfter(err)
		}
		p.Failure(class, hint)
	}
}
