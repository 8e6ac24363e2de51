// Package backoff decides how long the retry loop waits between attempts.
//
// # Strategies
//
// A [Strategy] maps an [Input] (the attempt that failed, its class, the
// previous delay and a random draw) to a delay. The jitter families of
// "Exponential Backoff And Jitter" are here with their published formulas:
// [FullJitter], [EqualJitter] (and [EqualJitterGrowth] for a slower growth)
// and [DecorrelatedJitter], the retry loop's default. [Exponential] and
// [Constant] have no jitter.
//
// # Decorators
//
// [Cap], [Floor] and [Jitter] wrap any Strategy; [Func] adapts a function.
//
// # Guarantees
//
// Every strategy here is a stateless value, safe for concurrent use, that
// never allocates in Delay. Every delay is within [0, cap] for any attempt
// number, previous delay and parameters: the arithmetic saturates instead of
// overflowing. Jitter is applied inside the cap, so a saturated strategy keeps
// spreading its delays below the cap. Randomness comes only from
// Input.Random: the retry loop draws it from a fast concurrency-safe source,
// and a test or simulation that sets it gets exact delays.
package backoff
