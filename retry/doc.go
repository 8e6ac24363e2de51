// Package retry calls an operation until it succeeds, within limits, and
// says why when it gives up.
//
//	user, err := retry.Do(ctx, func(ctx context.Context) (User, error) {
//		return client.GetUser(ctx, id)
//	})
//
// [Do] returns the operation's typed value; [Run] is the same for an
// operation that returns only an error. Both take functional options, and
// without options they use safe defaults: the default classifier, decorrelated
// jitter from 250ms to 30s, at most 6 attempts, at most 2 Unknown failures and
// no retry later than 60s after the first failure ([MaxRetryTime]).
//
// # Counting
//
// An attempt is one call of the operation, the first call included: n-1
// retries are n attempts. Attempt numbers start at 1 everywhere: in
// [MaxAttempts], in [Error.Attempts], in backoff.Input and in every event.
//
// # The loop
//
// For each attempt Do:
//
//  1. stops if the context is done or the deadline has passed: no attempt
//     starts late; with a [Breaker], asks it first, and while it refuses,
//     waits for its next probe if that fits before the deadline, or stops;
//  2. calls the operation with a context derived from the caller's, which
//     ends at the time of [Deadline] if one is set and carries word back
//     from the retry loops nested in the attempt (see Storm safety); with
//     [AttemptTimeout], a context of the attempt's own, which also ends at
//     its timeout and is cancelled when the attempt ends;
//  3. returns the value on success: a nil error, and a value that the
//     result classifier accepts, if there is one ([ClassifyResult],
//     [Poll]);
//  4. classifies the error (see package classify); a value that the result
//     classifier rejected is a failure of the class it gave, which the
//     steps below treat as any other;
//  5. stops at once, without waiting, if the class is Permanent, or a cap is
//     reached ([MaxAttempts], [MaxUnknownAttempts], [MaxAttemptsFor]), or the
//     next wait would not end before the deadline, or the call's [Budget]
//     refuses the retry;
//  6. otherwise picks the wait from the class's backoff strategy (see
//     [Backoff] and [BackoffFor]), lengthened to honour a server's hint within
//     [MaxRetryAfter], and waits on one reused timer, or returns as soon as
//     the context is done. A zero wait arms no timer.
//
// When one failure reaches several limits at once, the reason is the first
// of: the context is done, the attempt ran into the deadline, Permanent,
// MaxAttempts, the class's cap, the next wait does not fit, the budget.
//
// # Options and bundles
//
// Options have bare names and apply in order: for a setting, the last one
// wins; subscribers add up. [Options] groups options into one value that a
// package exports and other packages use, overriding what they must:
//
//	var Idempotent = retry.Options(retry.MaxAttempts(5), retry.Deadline(30*time.Second))
//
//	v, err := retry.Do(ctx, op, Idempotent, retry.MaxAttempts(2))
//
// A bundle is resolved once, when it is made, so a call that passes it alone
// costs no more than a call without options, and one that passes it first,
// followed by overrides, pays only for the overrides. A bundle that follows
// other options is applied again at each call. An invalid option fails the call with an
// error that names it and its value (matching [ErrInvalidOption]) before the
// operation is ever called, wherever it sits in nested bundles. Invalid are:
// a nil option or a nil *[Budget]; a number outside its range (each option
// says which, such as MaxAttempts(0)); a class that is not one of the
// constants, or Permanent where a retry is meant; a classifier, strategy or
// subscriber that is nil, or a nil pointer or function in the interface
// (such as a nil classify.Func or a nil *observe.Recorder), or that
// classify.Validate, backoff.Validate or observe.Validate reports, as they
// do a Cap of nil or an observe.Func of nil. When such a Validate method of
// your own reports an error, errors.Is and errors.As find it in the error of
// the call.
//
// No value given to an option makes Do panic, but for a *rand.Rand made with
// a nil Source (see [Rand]), which cannot be told from a good one. Nor can
// the code you give an option be checked up front: a classifier, strategy,
// subscriber or Validate method of yours that panics unwinds Do, as a panic
// in the operation does.
//
// # Errors
//
// When Do gives up it returns an [*Error]: the reason (one sentinel per
// reason: [ErrPermanent], [ErrMaxAttempts], [ErrMaxUnknownAttempts],
// [ErrMaxClassAttempts], [ErrDeadline], [ErrBudgetExhausted],
// [ErrBreakerOpen], [ErrCancelled]), the number of
// attempts, and the last attempt's error and class. errors.Is and errors.As
// see all of them, so both of these work on the same error:
//
//	errors.Is(err, retry.ErrMaxAttempts)
//	errors.As(err, &apiErr) // the operation's own error type
//
// A call that ends because the context is done keeps context.Cause of it as
// well as the last attempt's error.
//
// # Storm safety
//
// Retries multiply load on a dependency that is already failing. Three
// defences are built in. Every default strategy is jittered and every call
// stops retrying in time. A [Budget], shared by every call to one
// dependency, bounds their retries to a stated share of their traffic;
// [Budgets] keeps one per key, for a client of many hosts or services. And
// retries happen at one layer: when loops nest (a client library that
// retries, called by a handler that retries), only the innermost one
// retries, so layers of n attempts cost n calls, not n to the power of the
// layers. Two rules make it so:
//
//   - an [*Error] is Permanent to an outer loop;
//   - the context an attempt gets carries word back from the loops nested in
//     it: when one of them gives up after retrying, or because its budget
//     refused a retry, the attempt that ran it is Permanent to the loop
//     around it, whatever error the operation returns. This is what holds
//     when the inner layer returns something other than an *Error: the
//     last response of an HTTP transport that gave up (see retryhttp),
//     which the operation turns into an error of its own, a gRPC status
//     (see retrygrpc), a transaction's error (see retrypg).
//
// An inner loop that made a single attempt (it does not retry that request,
// say), or that ended because the outer attempt's context did, leaves the
// decision to the outer loop. The word goes up through every layer, but
// only through the contexts the attempts were given: an operation that
// starts its inner calls on a context of its own (context.Background, say)
// opts out.
//
// A server's pushback is honoured: a hint of how long to wait (see
// [MaxRetryAfter]) lengthens the wait, within its cap, and a hint that does
// not fit before the deadline ends the call at once.
//
// # Deadlines
//
// [Deadline] bounds the call: the context of the attempts ends at it, so
// an operation that honours its context lets Do return by then.
// [MaxRetryTime], and the default 60s of it, bounds only the retrying,
// from the first failure, and never ends a running attempt. Do never
// abandons an attempt: an operation that ignores its context, or a
// subscriber that blocks (subscribers run on the calling goroutine), holds
// Do until it returns, past any deadline. No goroutine is left behind for
// it, and no attempt starts after the deadline.
//
// # Hedging
//
// A call that is merely slow is not helped by retries. [DoHedged] with
// [Hedge] starts another attempt when those in flight have not answered
// after a delay, takes the first success, cancels the others and waits for
// each before it returns, handing a loser's value to [HedgeRelease]. Hedges
// are attempts: MaxAttempts counts them, the Budget pays for them and the
// Breaker is asked before each, and a refusal starts no hedge and cancels
// nothing in flight. Hedging has an entry point of its own because it runs
// op on other goroutines, which moves op, and what it captures, to the
// heap; Do and Run, which never do, refuse Hedge with ErrInvalidOption.
// Each round's first attempt runs on the caller's goroutine, and a round
// that needs no hedge starts no goroutine. [HedgeAdaptive] hedges at a
// running high quantile of the downstream's recent latencies, kept in a
// [Latency] shared by its calls ([Latencies] keeps one per key), within a
// floor and a cap.
//
// # Events
//
// [Subscribe] adds observe.Subscribers that receive typed events (Retry,
// Success, and one event per way of giving up) synchronously, on the calling
// goroutine. A call nobody observes builds no event, and an observe.Func
// of an event struct type, such as observe.Func[observe.Retry], receives
// its events by value, without allocating.
//
// # Concurrency
//
// Options, bundles, and the classifiers, strategies and subscribers of the
// other packages of this module are safe to share across goroutines. Each
// call of Do keeps its state on its own and leaves no goroutine or timer
// behind when it returns, however it returns: success, giving up,
// cancellation, or a panic in the operation, or in a classifier, strategy
// or subscriber, which Do does not recover.
package retry
