package retry

import (
	"context"
	"time"

	"github.com/reflexio-go/reflexio/internal/hook"
	"github.com/reflexio-go/reflexio/internal/latency"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

func init() {
	hook.WithClock = func(c hook.Clock) any { return clockOption{c} }
	hook.Unlayered = func() any { return unlayered{} }
	hook.LatencyOn = latencyOn
}

// clockOption runs a call on a clock other than the real one. Only the
// module's own simulator makes one, through package internal/hook.
type clockOption struct{ c hook.Clock }

func (o clockOption) String() string { return "clock" }

func (o clockOption) apply(c *config) { c.clock = o.c }

// unlayered makes a call keep to itself that it gave up (see layer.go), as
// a loop of another library would. Only the module's own simulator makes
// one, through package internal/hook.
type unlayered struct{}

func (unlayered) String() string { return "unlayered" }

func (unlayered) apply(c *config) { c.unlayered = true }

// latencyOn is hook.LatencyOn: NewLatency, with an estimator whose window
// reads c.
func latencyOn(cfg any, c hook.Clock) any {
	lc := cfg.(LatencyConfig)
	l := NewLatency(lc)
	if l.est != nil {
		l.est, _ = latency.New(latency.Config{Quantile: lc.Quantile, Window: lc.Window, MinSamples: lc.MinSamples, Now: c.Now})
	}
	return l
}

// A round of a hedged call on a hook.Runner, the simulator's, is race's
// and coordinate's, on the runner's processes rather than goroutines:
// the first attempt runs on the caller's process, the delay is an event
// of the runner's (tickOn) that starts the hedges, each on a process of
// its own (spawnOn), and each attempt, as it returns, settles its end in
// the round itself, as the coordinator would. Only one process or event
// runs at a time, so nothing is locked and nothing goes through channels;
// the caller's process, once its attempt has returned, parks until the
// last attempt of the round has. The attempts' contexts are the
// runner's, whose cancel wakes a loser parked in the simulated
// downstream. The decisions (startHedge, settle) are those of the real
// round.

// onRunner is the state of the rounds of a call on a hook.Runner, apart
// from the round, so that the calls on the real clock do not carry it: the
// runner, the stop of the delay's event, and the caller's wake while it
// waits for the end of a round.
type onRunner struct {
	runner    hook.Runner
	stopTimer func() bool
	wake      func()
}

// raceOn is race on rn.
func (r *run) raceOn(rn hook.Runner, ctx context.Context, layer *layerCtx, h hedger, first hedgeAttempt, permit *breaker.Permit) (timedOut, reported bool, err error) {
	rd := h.round()
	actx, cancel := rn.WithCancel(layer)
	rd.begin(r, ctx, layer, h, first, cancel, permit)
	if rd.on == nil {
		rd.on = &onRunner{runner: rn}
	}
	on := rd.on
	on.wake = nil
	rd.inFlight, rd.refused, rd.endWith = 1, false, -1
	on.stopTimer = rn.AfterFunc(rd.delay, rd.tickOn)

	normal := false
	defer func() {
		if !normal { // op panicked: the others must end before the panic goes on
			if rd.fired {
				rd.settle(finish{panicked: true})
				rd.awaitOn()
				rd.releaseAll(-1, -1)
			} else {
				on.stopTimer()
			}
			cancel()
		}
	}()
	var began time.Time
	if rd.latency != nil {
		began = rn.Now()
	}
	err, timedOut = callWith(actx, first.call, r.cfg.attemptTimeout)
	normal = true
	if rd.latency != nil && actx.Err() == nil {
		rd.latency.observe(rn.Now().Sub(began))
	}
	if !rd.fired {
		on.stopTimer()
		cancel()
		first.keep()
		return timedOut, false, err
	}
	rd.settle(finish{err: err, timedOut: timedOut})
	rd.awaitOn()
	return r.endRace(ctx, rd, permit)
}

// tickOn is the event of the hedge delay's passing: it starts a hedge,
// if one may start, and sets the delay for the next.
func (rd *round) tickOn() {
	rd.fired = true
	if rd.startHedge(false) && rd.inFlight < rd.max {
		rd.on.stopTimer = rd.on.runner.AfterFunc(rd.delay, rd.tickOn)
	}
}

// spawnOn starts a, a hedge that startHedge counted, on a process of the
// runner's.
func (rd *round) spawnOn(a hedgeAttempt, permit breaker.Permit) {
	rn := rd.on.runner
	actx, cancel := rn.WithCancel(rd.layer)
	i := len(rd.atts)
	rd.atts = append(rd.atts, raced{a: a, cancel: cancel, permit: permit})
	rd.note(observe.KindHedgeStarted, rd.attempt, rd.inFlight)
	timeout, lat := rd.timeout, rd.latency
	rn.Spawn(func() {
		f := finish{i: i}
		defer func() {
			if p := recover(); p != nil {
				f.panicked, f.panicVal = true, p
			}
			rd.settle(f)
			if rd.inFlight == 0 && rd.on.wake != nil {
				rd.on.wake()
				rd.on.wake = nil
			}
		}()
		var began time.Time
		if lat != nil {
			began = rn.Now()
		}
		f.err, f.timedOut = callWith(actx, a.call, timeout)
		if lat != nil && actx.Err() == nil {
			lat.observe(rn.Now().Sub(began))
		}
	})
}

// awaitOn parks the caller's process until every attempt of the round has
// returned, and ends the round.
func (rd *round) awaitOn() {
	for rd.inFlight > 0 {
		park, wake := rd.on.runner.Waiter()
		rd.on.wake = wake
		park()
	}
	rd.on.wake = nil
	rd.noteEnd()
	rd.on.stopTimer()
}
