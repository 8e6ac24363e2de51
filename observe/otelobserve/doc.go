// Package otelobserve reports what the retry loop does to OpenTelemetry:
// [Metrics] records metrics of the calls it observes, and [SpanEvents]
// writes the course of each retried call on the caller's span. Both are
// observe.Subscribers; subscribe them to the calls they should see, alone
// or in the bundle that states how a dependency is retried:
//
//	metrics, err := otelobserve.NewMetrics(meterProvider)
//	if err != nil {
//		return err
//	}
//	var Users = retry.Options(
//		retry.Name("users"),
//		retry.Subscribe(metrics, otelobserve.SpanEvents{}),
//	)
//
// This package is a module of its own, so that the core of reflexio
// depends on nothing but the standard library.
//
// # Metrics
//
// OpenTelemetry's semantic conventions define no metrics for retries (as of
// their version 1.43, whose only retry-related attribute,
// http.request.resend_count, is for HTTP spans), so the metrics are in a
// namespace of their own, reflexio.retry, named and united as the
// conventions' naming guidelines ask:
//
//	name                            instrument           unit          attributes
//	reflexio.retry.calls            Int64Counter         {call}        operation, outcome, error.type
//	reflexio.retry.attempts         Int64Counter         {attempt}     operation, outcome, error.type
//	reflexio.retry.call.duration    Float64Histogram     s             operation, outcome, error.type
//	reflexio.retry.delay            Float64Histogram     s             operation, error.type
//	reflexio.retry.budget.refusals  Int64Counter         {retry}       operation, error.type
//	reflexio.breaker.state          Int64Gauge           {state}       breaker.name
//	reflexio.breaker.transitions    Int64Counter         {transition}  breaker.name, breaker.state, breaker.reason
//	reflexio.breaker.rejections     Int64Counter         {attempt}     operation, breaker.name
//	reflexio.retry.hedges           Int64Counter         {attempt}     operation, hedge.event
//
// What each one counts, in the terms of package observe, where every call
// ends with exactly one event, Success or the event that tells why it
// stopped, and sends a Retry before each attempt but the first:
//
//   - calls: 1 for each call, when it ends, with the outcome of its last
//     event.
//   - attempts: the attempts that each call made (its last event's
//     Attempt: 0 for a call that ended before its first attempt), added
//     when it ends, with the same attributes as calls. Summed over any
//     attributes, attempts/calls is the load that retrying multiplies
//     calls by: 1 where nothing is retried.
//   - call.duration: each call's duration (its last event's Elapsed), from
//     the moment retry.Do was called to its end, waits included.
//   - delay: the wait before each retry (each Retry event's Delay), with
//     the class of the failure retried. Its count is the number of retries.
//   - budget.refusals: 1 for each retry that a retry.Budget refused, which
//     ended its call; the same number as the calls with outcome
//     budget_exhausted, on a metric of its own so that an alert on a
//     budget that runs dry needs no filter.
//   - breaker.state: the state of each circuit breaker (package
//     retry/breaker) that the Metrics is given to, as of its last
//     observe.BreakerStateChange: 0 closed, 1 open, 2 half-open.
//   - breaker.transitions: 1 for each change of state of a breaker, with
//     the state it moved to ([BreakerStateKey]) and why
//     ([BreakerReasonKey], observe.BreakerReason's String).
//   - breaker.rejections: 1 for each attempt that an open breaker refused
//     (each observe.BreakerRejected), with the call's operation.
//   - hedges: for the calls of retry.DoHedged, 1 for each hedge started
//     ([HedgeEventKey] hedge_started), 1 for each round that a hedge won
//     rather than the round's first attempt (hedge_won), and the attempts
//     cancelled as losers (hedge_cancelled, each observe.HedgeCancelled's
//     Losers). Hedges are attempts: attempts counts them too. Its
//     attribute set is made for each hedging event, which allocates.
//
// The breaker metrics need the Metrics in the breaker's own
// Config.Subscribers, for its changes of state, and in the calls'
// retry.Subscribe, for their refusals. Their attributes are the
// breaker's name ([BreakerKey], bounded by the downstreams), the state and
// reason of a change, and the operation of a refused call.
//
// Attempts are counted per call, not per attempt with the class of each
// failure, because the events cannot tell that apart: a Cancelled or
// DeadlineExceeded event that ends a call during a wait tells of the
// attempt that the Retry before it told of already, and one that ends it
// right after a failed attempt tells of a new one, with the same fields.
// The classes of the failures that were retried are on the delay
// histogram.
//
// # Attributes
//
// Every metric of the retry calls has these attributes and no other, so
// that the number of series is bounded by the number of operations:
//
//   - reflexio.operation.name ([OperationKey]): the name that retry.Name
//     gives the call; absent if it has none. Names must come from a small,
//     fixed set, such as "users.get", never from ids or URLs;
//     retryhttp's "METHOD host" is bounded by the hosts a client calls.
//   - reflexio.outcome ([OutcomeKey]): how the call ended, the String of
//     its last event's kind: success, permanent_failure,
//     max_attempts_exceeded, max_unknown_attempts_exceeded,
//     max_class_attempts_exceeded, deadline_exceeded, budget_exhausted or
//     cancelled.
//   - error.type, the attribute of the semantic conventions for "a class
//     of error the operation ended with": the class of the failed attempt
//     (the call's last for calls, attempts and call.duration; the retried
//     one for delay and budget.refusals), as classify.Class's String
//     writes it: Unknown, Permanent, Concurrency, RateLimit, ServerError or
//     Transient. As the conventions ask, it is absent when the call
//     succeeded, and also when it ended before its first attempt.
//
// The histograms advise bucket boundaries from 5ms to 2 minutes, suited to
// waits and to calls that stop retrying at retry's default limit, 60s after
// their first failure (retry.MaxRetryTime). A view on the MeterProvider
// sets others, for the metric named [MetricDelay] or [MetricCallDuration].
//
// # Traces
//
// [SpanEvents] adds an event to the span that is active in the context the
// caller passed to retry.Do, for each retry (named reflexio.retry) and for
// the end of a retried call (reflexio.success, reflexio.max_attempts_exceeded,
// …), with the attempt's number, class, error and delay, and for each
// attempt that an open circuit breaker refused (reflexio.breaker_rejected,
// with the breaker's name and the wait), and for what the hedges of a call
// of retry.DoHedged did (reflexio.hedge_started, reflexio.hedge_won,
// reflexio.hedge_cancelled, with the attempt's number). A call that
// succeeds at its first attempt adds nothing.
//
// Events on the caller's span, rather than a span per attempt, because a
// subscriber hears of an attempt only once it has ended, and cannot pass a
// context of its own to the operation: a span per attempt could only be
// made after the fact, and the spans that the operation makes (an HTTP
// client's, a database driver's) would not be its children. Those spans
// are the attempts: each attempt of an instrumented operation is already a
// span under the caller's, and the events between them say why one
// followed another and how long the loop waited.
//
// The events carry the failed attempt's error text (reflexio.error.message),
// as observe.Slog's records do: operations whose errors may hold secrets
// should not return them, or should not be traced with SpanEvents.
//
// # Cost
//
// Both subscribers take every kind of event. Metrics allocates nothing to
// record an event once it has seen the event's attribute set: it makes the
// set once, and keeps up to 1024 of them. The rarer hedging events and
// BreakerStateChange are the exception: their sets are made each time. SpanEvents costs nothing when the
// span does not record (or there is none), and one event with its
// attributes when it does.
//
// # Prometheus
//
// Package promobserve, in the module next to this one, records the same
// metrics straight into a Prometheus registry, under the names that these
// translate to in Prometheus (reflexio_retry_calls_total,
// reflexio_retry_delay_seconds, …), with labels named for Prometheus:
// operation, outcome and class.
package otelobserve
