// Package backoff decides how long the retry loop waits between attempts.
//
// # Strategies
//
// A [Strategy] maps an [Input] (the attempt that failed, its class, the
// previous delay and a random draw) to a delay. The jitter families of
// "Exponential Backoff And Jitter" are here with their published formulas,
// where t = min(cap, base·2^(attempt-1)) and Random is the draw in [0, 1):
//
//   - [FullJitter] waits Random·t, within [0, t].
//   - [EqualJitter] waits t/2 + Random·t/2, within [t/2, t];
//     [EqualJitterGrowth] grows t by another factor than 2.
//   - [DecorrelatedJitter], the retry loop's default, waits
//     base + Random·(min(cap, 3·prev) - base), where prev is the previous
//     delay but at least base. It applies the cap before the jitter, unlike
//     the published min(cap, base + Random·(3·prev - base)), so that its
//     delays stay spread at the cap.
//
// [Exponential] (t itself) and [Constant] have no jitter. The examples show
// the shortest and the longest delay of each at the first attempts.
//
// # Decorators
//
// [Cap], [Floor] and [Jitter] wrap any Strategy; [Func] adapts a function.
// [Validate] reports bad parameters, and a nil strategy or function (also
// a nil pointer or a nil Func held as a Strategy), naming the strategy at
// fault even inside nested decorators. retry.Backoff and retry.BackoffFor
// call it, so that such a strategy fails the call before any attempt.
//
// # Guarantees
//
// Every strategy here is a stateless value, safe for concurrent use, that
// never allocates in Delay. Every delay of a strategy with a cap is within
// [0, cap] for any attempt number, previous delay and random draw, even one
// outside [0, 1) or NaN: the arithmetic saturates instead of overflowing,
// and never returns a negative delay. The bounds are exact to the
// nanosecond, up to MaxInt64; a delay between them is rounded to the
// nearest nanosecond. Jitter is applied inside the cap, so a saturated
// strategy keeps spreading its delays below the cap. Randomness comes only
// from Input.Random: the retry loop draws it from a fast concurrency-safe
// source, and a test or simulation that sets it gets exact delays.
//
// The bounds hold for parameters that Validate accepts. Parameters that it
// rejects never cause a panic or a negative delay either, except a nil
// strategy or function, wrapped or not, whose Delay panics, and a [Func],
// whose delays are its own. A Func or a strategy of your own that panics is
// not recovered: the panic unwinds the retry call that asked it for a
// delay, as one in the operation does.
package backoff
