// Package breaker is a circuit breaker: shared by every call to one
// downstream, it refuses attempts at once while the downstream looks down,
// so that callers stop paying a timeout per call and the downstream
// recovers without their load, then lets a few probes through to find out
// safely when it is back.
//
//	users := breaker.New(breaker.Config{Name: "users"})
//	…
//	p, err := users.Allow()
//	if err != nil {
//		return err // matches breaker.ErrOpen: not sent
//	}
//	v, err := client.GetUser(ctx, id)
//	switch {
//	case err == nil:
//		p.Success()
//	case ctx.Err() != nil:
//		p.Cancel() // the caller gave up: no verdict on the downstream
//	default:
//		hint, _ := classify.RetryAfter(err)
//		p.Failure(classify.Default().Classify(err), hint)
//	}
//
// # States
//
// A [Breaker] is closed, open or half-open (observe.BreakerState). Closed,
// it lets every attempt through and counts the failures of the classes
// that speak of the downstream's health (ServerError, Transient, Unknown
// and RateLimit by default; never Permanent, and never a cancelled
// attempt). It opens when their share of the calls of a sliding window
// reaches a ratio, given a minimum number of calls; after a number of
// failures in a row, for services too quiet to reach that minimum; or at
// once for a RateLimit failure with a Retry-After hint, for exactly the
// hinted time, capped, so that every caller honours the server's pushback.
//
// Open, it refuses every attempt with an [*OpenError] (matching [ErrOpen])
// that says when the next probe may go; a refused attempt counts as none.
// Each break is longer than the last while the breaker keeps failing its
// probes, up to a cap, and spread at random so that clients that opened
// together do not probe together.
//
// Half-open, once the break is over, it lets a bounded number of probes
// through at once; enough successes close it, any counted failure opens it
// again at once.
//
// # Cost
//
// While closed, Allow and Success take no lock, allocate nothing, and
// write only to a counter striped by goroutine: calls on different CPUs do
// not contend. [Breaker.AllowClosed] is that path of Allow, inlined by the
// compiler in its caller. Failures take a lock. Config documents every setting and
// its default; [Config.Subscribers] receive an observe.BreakerStateChange
// for every change of state.
//
// # With retry.Do
//
// A Breaker is usable on its own, as above. Inside retry.Do, the loop asks
// it before each attempt and tells it the outcome; a refused attempt is not
// made, does not spend the retry budget, and is told to the call's
// subscribers as an observe.BreakerRejected.
package breaker
