package retry

import (
	"context"
	"errors"
	"sync/atomic"
)

// Retry at one layer. Every call gives its attempts a context that carries
// a layer: a flag that a loop nested in the attempt raises when it gives up
// after retrying (or after its budget refused a retry, or after a loop
// nested in it did either: the word goes up every layer). Integrations
// (retryhttp, retrygrpc, retrypg) run such a loop, so the flag reaches the
// caller's loop even when what comes back is not an *Error: a response that
// the caller turns into an error of its own, say. The caller's loop then
// takes the attempt for Permanent: the retries it would make have already
// been made, one layer down.

// layerKey is the context key of a call's layer.
type layerKey struct{}

// layerCtx is the context of a call's attempts: the call's context, and the
// flag that nested loops raise. One value of one allocation serves both
// (context.WithValue and a flag apart would take two).
type layerCtx struct {
	context.Context
	gaveUp atomic.Bool
}

func (c *layerCtx) Value(key any) any {
	if key == (layerKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// tellParent raises the flag of the nearest loop around this call, whose
// attempt's context is parent, when err says this call gave up after
// retrying, or because its budget refused a retry, or because a loop nested
// in it had done so (innerGaveUp): the word goes up through every layer. A
// call that ended because parent is done did not give up of its own accord:
// the loop around it decides. A call that made one attempt and no retry,
// on its own, leaves the decision to the loop around it too (a layer that
// does not retry a request it must not repeat, say).
func tellParent(parent context.Context, err error, attempts int, innerGaveUp bool) {
	e, ok := err.(*Error)
	if !ok || parent.Err() != nil {
		return
	}
	if attempts < 2 && !innerGaveUp && !errors.Is(e.Reason, ErrBudgetExhausted) {
		return
	}
	if l, ok := parent.Value(layerKey{}).(*layerCtx); ok {
		l.gaveUp.Store(true)
	}
}
