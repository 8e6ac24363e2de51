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

// A Runner is a Clock that also runs processes, as the simulator's
// Scheduler does: when a call's Clock is a Runner, retry.DoHedged runs its
// hedges on it, and nothing of the runtime's: its hedges are processes
// (Spawn), its hedge delay an event of the Runner's (AfterFunc), its wait
// for the end of a round a park (Waiter), and the contexts of its attempts
// the Runner's (WithCancel), so that cancelling a loser wakes it. A call
// on a Clock that is not a Runner hedges on goroutines and real timers.
//
// Only one process or event of a Runner runs at a time, and every method
// but AfterFunc's fn is called by the one that runs.
type Runner interface {
	Clock

	// Spawn starts fn on a process of its own, which runs at the current
	// time once the one running now has parked or ended.
	Spawn(fn func())

	// AfterFunc runs fn d from now, unless stop is called before; stop
	// reports whether it kept fn from running. fn runs as an event, not a
	// process: it must not wait.
	AfterFunc(d time.Duration, fn func()) (stop func() bool)

	// WithCancel is context.WithCancel, and its cancel also ends, at the
	// current time, every wait of the Runner (Sleep, a downstream's)
	// parked on the context or on one made from it by WithCancel, so that
	// the process that waits sees the context done.
	WithCancel(parent context.Context) (context.Context, context.CancelFunc)

	// Waiter returns park, which parks the running process, and wake,
	// which makes it run again at the current time once the one that
	// calls wake has parked or ended. wake must come after park, from
	// another process or an event, and at most once. park may also
	// return when the run is stopped: the caller must check what it
	// waited for, and wait again with a new Waiter.
	Waiter() (park, wake func())
}

// LatencyOn returns a *retry.Latency, as an any, made by
// retry.NewLatency(cfg) from cfg, a retry.LatencyConfig, but whose window
// of time reads c, so that the latency a simulation measures does not
// depend on how long it takes to run. Set by package retry.
var LatencyOn func(cfg any, c Clock) any
