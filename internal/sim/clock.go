package sim

import (
	"context"
	"time"

	"github.com/reflexio-go/reflexio/internal/hook"
	"github.com/reflexio-go/reflexio/retry"
)

// Now returns the virtual time as a wall-clock time. With Sleep it makes the
// Scheduler a hook.Clock, which retry.Do reads its start, deadline and
// elapsed times from.
func (s *Scheduler) Now() time.Time { return epoch.Add(s.now) }

// Sleep parks the running process for d of virtual time and reports whether
// it waited the whole of d with ctx not done. Only a process may call it.
//
// Sleep watches no context by itself, which would take a goroutine
// outside the scheduler's control: the run's context ends only when Stop
// wakes every parked process, and the cancel of a context that WithCancel
// made, ctx or one it was made from, wakes the Sleep at once.
func (s *Scheduler) Sleep(ctx context.Context, d time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	w := s.newWait(ctx)
	s.After(d, func() { w.fire(wokeTimer) })
	return w.park() == wokeTimer && ctx.Err() == nil
}

var _ hook.Runner = (*Scheduler)(nil)

// Spawn starts fn on a process of its own, as Go does. With AfterFunc,
// WithCancel and Waiter, it makes the Scheduler a hook.Runner, on which
// retry.DoHedged runs its hedges.
func (s *Scheduler) Spawn(fn func()) { s.Go(func(context.Context) { fn() }) }

// AfterFunc runs fn, as an event, d from now, unless stop is called before;
// stop reports whether it kept fn from running.
func (s *Scheduler) AfterFunc(d time.Duration, fn func()) (stop func() bool) {
	armed := true
	s.After(d, func() {
		if armed {
			armed = false
			fn()
		}
	})
	return func() bool {
		was := armed
		armed = false
		return was
	}
}

// Waiter returns park, which parks the running process, and wake, which
// makes it run again, as an event at the current time: see hook.Runner.
// Only a process may call it.
func (s *Scheduler) Waiter() (park, wake func()) {
	w := s.newWait(context.Background()) // no cancel ends it
	return func() { w.park() }, func() { s.At(s.now, func() { w.fire(wokeWoken) }) }
}

// WithCancel returns a copy of parent with a cancel, as context.WithCancel
// does, which also wakes every process parked in a wait on the context
// (Sleep, a downstream's), or on one that WithCancel made from it, as an
// event at the current time. A downstream that parks a process on a context
// must make its wait with newWait(ctx), and return ctx's error when the
// wait ends by wokeCancel. Only a process or an event may cancel it.
func (s *Scheduler) WithCancel(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	sc := &scope{Context: ctx, s: s, cancel: cancel}
	if p, ok := parent.Value(scopeKey{}).(*scope); ok {
		if p.ended {
			sc.end()
		} else {
			p.children = append(p.children, sc)
		}
	}
	return sc, sc.end
}

// A scope is a context that WithCancel made. It embeds the one that
// context.WithCancel made, so that the contexts made from it are that
// one's children without a goroutine to watch it.
type scope struct {
	context.Context
	s        *Scheduler
	cancel   context.CancelFunc
	waits    []*wait  // parked on it, or fired since
	children []*scope // made from it by WithCancel
	ended    bool
}

// scopeKey is the key of a scope's Value: the scope itself.
type scopeKey struct{}

func (sc *scope) Value(key any) any {
	if key == (scopeKey{}) {
		return sc
	}
	return sc.Context.Value(key)
}

// add makes w end when sc is cancelled: at once, as an event, if it is.
func (sc *scope) add(w *wait) {
	if sc.ended {
		sc.s.At(sc.s.now, func() { w.fire(wokeCancel) })
		return
	}
	sc.waits = append(sc.waits, w)
}

// end is sc's cancel.
func (sc *scope) end() {
	sc.cancel()
	if sc.ended {
		return
	}
	sc.ended = true
	for _, w := range sc.waits {
		if w.why == wokeNone {
			sc.s.At(sc.s.now, func() { w.fire(wokeCancel) })
		}
	}
	sc.waits = nil
	for _, c := range sc.children {
		c.end()
	}
	sc.children = nil
}

// Latency returns a retry.Latency made by retry.NewLatency(cfg), whose
// window of time is the Scheduler's virtual time, for HedgeAdaptive.
func (s *Scheduler) Latency(cfg retry.LatencyConfig) *retry.Latency {
	return hook.LatencyOn(cfg, s).(*retry.Latency)
}

// Option returns the retry.Option that runs a call of retry.Do on the
// Scheduler's virtual clock: its start, deadline and waits.
func (s *Scheduler) Option() retry.Option { return hook.WithClock(s).(retry.Option) }
