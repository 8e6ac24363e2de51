// Package promobserve records what the retry loop does as Prometheus
// metrics. A [Subscriber] is an observe.Subscriber that registers its
// counters and histograms with a registry; subscribe it to the calls it
// should count, alone or in the bundle that states how a dependency is
// retried:
//
//	metrics, err := promobserve.New(prometheus.DefaultRegisterer)
//	if err != nil {
//		return err
//	}
//	var Users = retry.Options(retry.Name("users"), retry.Subscribe(metrics))
//
// This package is a module of its own, so that the core of reflexio
// depends on nothing but the standard library. Package otelobserve, in the
// module next to this one, records the same metrics with OpenTelemetry.
//
// # Metrics
//
//	name                                   type       labels
//	reflexio_retry_calls_total             counter    operation, outcome, class
//	reflexio_retry_attempts_total          counter    operation, outcome, class
//	reflexio_retry_call_duration_seconds   histogram  operation, outcome, class
//	reflexio_retry_delay_seconds           histogram  operation, class
//	reflexio_retry_budget_refusals_total   counter    operation, class
//	reflexio_breaker_state                 gauge      breaker
//	reflexio_breaker_transitions_total     counter    breaker, to, reason
//	reflexio_breaker_rejections_total      counter    operation, breaker
//	reflexio_retry_hedges_total            counter    operation, event
//
// What each one counts, in the terms of package observe, where every call
// ends with exactly one event, Success or the event that tells why it
// stopped, and sends a Retry before each attempt but the first:
//
//   - calls: 1 for each call, when it ends, with the outcome of its last
//     event.
//   - attempts: the attempts that each call made (its last event's
//     Attempt: 0 for a call that ended before its first attempt), added
//     when it ends, with the same labels as calls.
//   - call_duration: each call's duration (its last event's Elapsed), from
//     the moment retry.Do was called to its end, waits included.
//   - delay: the wait before each retry (each Retry event's Delay), with
//     the class of the failure retried. Its _count is the number of
//     retries.
//   - budget_refusals: 1 for each retry that a retry.Budget refused, which
//     ended its call; the same number as the calls with outcome
//     budget_exhausted, on a metric of its own so that an alert on a
//     budget that runs dry needs no filter.
//   - breaker_state: the state of each circuit breaker (package
//     retry/breaker) that the Subscriber is given to, as of its last
//     observe.BreakerStateChange: 0 closed, 1 open, 2 half-open. A breaker
//     that never changed state has no series yet: it is closed.
//   - breaker_transitions: 1 for each change of state of a breaker, with
//     the state it moved to and why (observe.BreakerReason's String, such
//     as failure_ratio or retry_after).
//   - breaker_rejections: 1 for each attempt that an open breaker refused
//     (each observe.BreakerRejected), with the operation of the call.
//   - hedges: for the calls of retry.DoHedged, 1 for each hedge started
//     (event hedge_started), 1 for each round that a hedge won rather than
//     the round's first attempt (hedge_won), and the attempts cancelled as
//     losers (hedge_cancelled, each observe.HedgeCancelled's Losers).
//     Hedges are attempts: attempts counts them too. A series is looked up
//     for each hedging event, which allocates.
//
// The breaker metrics need the Subscriber in the breaker's own
// Config.Subscribers, for its changes of state, and in the calls'
// retry.Subscribe, for their refusals.
//
// Attempts are counted per call, not per attempt with the class of each
// failure, because the events cannot tell that apart: a Cancelled or
// DeadlineExceeded event that ends a call during a wait tells of the
// attempt that the Retry before it told of already, and one that ends it
// right after a failed attempt tells of a new one, with the same fields.
// The classes of the failures that were retried are on the delay
// histogram.
//
// # Labels
//
// Every metric of the retry calls has these labels and no other, so that
// the number of series is bounded by the number of operations (the breaker
// metrics have the breaker's name, bounded by the downstreams, and the
// state and reason of its changes):
//
//   - operation: the name that retry.Name gives the call; empty if it has
//     none. Names must come from a small, fixed set, such as "users.get",
//     never from ids or URLs; retryhttp's "METHOD host" is bounded by the
//     hosts a client calls.
//   - outcome: how the call ended, the String of its last event's kind:
//     success, permanent_failure, max_attempts_exceeded,
//     max_unknown_attempts_exceeded, max_class_attempts_exceeded,
//     deadline_exceeded, budget_exhausted or cancelled.
//   - class: the class of the failed attempt (the call's last for calls,
//     attempts and call_duration; the retried one for delay and
//     budget_refusals), as classify.Class's String writes it: Unknown,
//     Permanent, Concurrency, RateLimit, ServerError or Transient. It is
//     empty when the call succeeded, and when it ended before its first
//     attempt.
//
// The histograms have buckets from 5ms to 2 minutes, suited to waits and to
// calls that stop retrying at retry's default limit, 60s after their first
// failure (retry.MaxRetryTime). [Buckets], an option of New, sets others:
//
//	metrics, err := promobserve.New(reg, promobserve.Buckets(0.01, 0.1, 1, 10))
//
// # Queries
//
// How many attempts each call costs, which is 1 where nothing is retried
// and the load that retrying multiplies calls by:
//
//	sum by (operation) (rate(reflexio_retry_attempts_total[5m]))
//	  / sum by (operation) (rate(reflexio_retry_calls_total[5m]))
//
// The share of calls that failed, and why:
//
//	sum by (operation, outcome) (rate(reflexio_retry_calls_total{outcome!="success"}[5m]))
//	  / ignoring (outcome) group_left sum by (operation) (rate(reflexio_retry_calls_total[5m]))
//
// Retries per second by the class of the failure, and budgets that run dry:
//
//	sum by (operation, class) (rate(reflexio_retry_delay_seconds_count[5m]))
//	sum by (operation) (increase(reflexio_retry_budget_refusals_total[5m])) > 0
//
// # Registration
//
// [New] registers the eight metrics with the registry it is given, all or
// none, and fails if the registry refuses them, as it does when metrics of
// the same names are there already: make one Subscriber per registry and
// share it among every call, which the operation label tells apart. A
// Subscriber is the prometheus.Collector of its metrics, so Unregister
// removes them. prometheus.WrapRegistererWithPrefix and
// prometheus.WrapRegistererWith add a prefix or constant labels.
//
// # Cost
//
// A Subscriber takes every kind of event. It looks each series up in its
// vectors once and keeps up to 1024 of them at hand, so that recording an
// event allocates nothing once its series exist.
package promobserve
