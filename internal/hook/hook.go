// Package hook lets the module's own programs reach into the retry loop
// where users must not: the simulator runs real retry.Do calls on a virtual
// clock. Packages retry and retry/breaker fill in the functions when they
// are initialised.
package hook

import (
	"context"
	"time"
)

// A Clock is the time a retry loop runs on.
type Clock interface {
	// Now returns the current time.
	Now() time.Time

	// Sleep waits for d, or until ctx is done, and reports whether it
	// waited the whole of d with ctx not done.
	Sleep(ctx context.Context, d time.Duration) bool
}

// WithClock returns a retry.Option, as an any to spare this package an
// import of retry, that runs the call's loop on c: its start, deadline,
// elapsed times and waits. AttemptTimeout still uses real time. Set by
// package retry.
var WithClock func(c Clock) any

// Unlayered returns a retry.Option, as an any, that makes a call keep to
// itself that it gave up: the loop around it retries as if the call were
// not a retry loop, as a hand-rolled loop would. The simulator models other
// libraries with it. Set by package retry.
var Unlayered func() any

// BreakerClock returns cfg, a breaker.Config (as an any, to spare this
// package an import of retry/breaker), changed so that breaker.New makes of
// it a Breaker that reads its time from c, Sleep aside, and draws the
// spread of its breaks from rand, which returns a number in [0, n) for
// n > 0 (nil: the default source). Set by package retry/breaker.
var BreakerClock func(cfg any, c Clock, rand func(n int64) int64) any
