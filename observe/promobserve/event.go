package promobserve

import "github.com/reflexio-go/reflexio/observe"

// kinds are the kinds of event the subscribers of this package take: they
// know what each means for the metrics (Retry is a wait, the breaker's
// events tell of a breaker, every other kind ends a call), so an event
// type added to package observe later is not sent to them before they do.
var kinds = observe.SetOf(
	observe.KindSuccess,
	observe.KindRetry,
	observe.KindPermanentFailure,
	observe.KindMaxAttemptsExceeded,
	observe.KindMaxUnknownAttemptsExceeded,
	observe.KindMaxClassAttemptsExceeded,
	observe.KindDeadlineExceeded,
	observe.KindBudgetExhausted,
	observe.KindCancelled,
	observe.KindBreakerStateChange,
	observe.KindBreakerRejected,
	observe.KindHedgeStarted,
	observe.KindHedgeWon,
	observe.KindHedgeCancelled,
)

// fieldsOf returns what the subscribers read from e, and false for a kind
// of event they do not take.
func fieldsOf(e observe.Event) (observe.Info, bool) {
	if !kinds.Has(e.Kind()) {
		return observe.Info{}, false
	}
	return observe.InfoOf(e), true
}
