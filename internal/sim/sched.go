package sim

import (
	"container/heap"
	"context"
	"fmt"
	"runtime/debug"
	"time"
)

// A Scheduler runs a simulation in virtual time. It keeps a clock and a
// queue of events, and runs the events in order of time, ties in the order
// they were scheduled, advancing the clock to each one as it comes. Time
// passes only between events: a run of a minute of virtual time takes as
// long as its events take to run, and no real time is ever waited for.
//
// Processes are the simulation's goroutines: each simulated request runs
// retry.Do on a process of its own, started with Go. Only one goroutine runs
// at any moment, the scheduler's or one process's: a process runs until it
// parks (in Sleep, or waiting for a server's answer) or ends, and only then
// does the scheduler go on to the next event. The hand-offs go through
// channels, so the run is free of data races, and since nothing depends on
// how the Go runtime schedules goroutines, a run is reproducible to the
// digit: the same inputs give the same events in the same order.
//
// The zero value is not usable; call NewScheduler. A Scheduler runs one
// simulation and is not safe for concurrent use, except in the sense above:
// its processes may call its methods while they run.
type Scheduler struct {
	now     time.Duration
	events  eventQueue
	seq     uint64
	running *proc         // the process that runs now; nil while the scheduler does
	parked  chan struct{} // a running process hands control back on it
	procs   []*proc       // every process started, in order
	live    int           // processes started and not ended
	failure string        // a panic of a process, with its stack

	ctx    context.Context // every process's, cancelled by Stop
	cancel context.CancelFunc
}

// epoch is the wall-clock time that virtual time 0 stands for. Any fixed
// value would do; retry only ever subtracts times.
var epoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// NewScheduler returns a Scheduler at virtual time 0 with nothing to do.
func NewScheduler() *Scheduler {
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{parked: make(chan struct{}), ctx: ctx, cancel: cancel}
}

// Elapsed returns the virtual time since the start of the run.
func (s *Scheduler) Elapsed() time.Duration { return s.now }

// At schedules fn to run on the scheduler at virtual time t, or now if t
// has passed. fn runs alone; it may schedule events, start processes and
// wake parked ones.
func (s *Scheduler) At(t time.Duration, fn func()) {
	s.seq++
	heap.Push(&s.events, event{at: max(t, s.now), seq: s.seq, fn: fn})
}

// After schedules fn to run d from now.
func (s *Scheduler) After(d time.Duration, fn func()) { s.At(s.now+d, fn) }

// Go starts a process that runs fn, at the current virtual time but after
// the events already scheduled for it. fn receives the run's context, which
// Stop cancels.
func (s *Scheduler) Go(fn func(ctx context.Context)) {
	p := &proc{wake: make(chan struct{})}
	s.procs = append(s.procs, p)
	s.live++
	go func() {
		<-p.wake
		defer func() {
			if r := recover(); r != nil {
				s.failure = fmt.Sprintf("%v\n%s", r, debug.Stack())
			}
			p.ended = true
			s.live--
			s.parked <- struct{}{}
		}()
		fn(s.ctx)
	}()
	s.At(s.now, func() { s.resume(p) })
}

// Live returns the number of processes started and not yet ended.
func (s *Scheduler) Live() int { return s.live }

// Run runs events in order until there are none left, the next one is
// later than horizon, or done, asked after each event, reports true. It
// panics, on the caller's goroutine, if a process panicked.
func (s *Scheduler) Run(horizon time.Duration, done func() bool) {
	for len(s.events) > 0 && s.events[0].at <= horizon {
		e := heap.Pop(&s.events).(event)
		s.now = e.at
		e.fn()
		if done != nil && done() {
			return
		}
	}
}

// Stop ends the run: it cancels the processes' context and wakes every
// process still parked, or not yet started, in the order they were made, so
// that each one's retry.Do returns (with retry.ErrCancelled) and its
// goroutine ends. Events still queued are dropped. Call it once, after Run.
func (s *Scheduler) Stop() {
	s.cancel()
	// A process woken may park again, waiting for others that it finds
	// still running (a hedged call waits for its hedges): it is woken
	// again on the next pass, once they have ended. Each pass but the last
	// ends a process at least.
	for live := -1; s.live != live; {
		live = s.live
		for _, p := range s.procs {
			switch {
			case p.ended:
			case p.wait != nil:
				p.wait.fire(wokeStopped)
			case !p.started: // its start was still queued: it runs with its context done
				s.resume(p)
			}
		}
	}
	s.events = nil
	s.procs = nil
	if s.live != 0 {
		panic(fmt.Sprintf("sim: %d processes still running after Stop", s.live))
	}
}

// proc is a process: a goroutine that runs only when the scheduler hands it
// control.
type proc struct {
	wake    chan struct{}
	wait    *wait // the wait it is parked in, if any
	started bool
	ended   bool
}

// resume hands control to p and takes it back when p parks or ends. Only
// the scheduler's goroutine may call it: an event, never a process.
func (s *Scheduler) resume(p *proc) {
	if s.running != nil {
		panic("sim: a process resumed another; schedule an event instead")
	}
	s.running = p
	p.started = true
	p.wake <- struct{}{}
	<-s.parked
	s.running = nil
	if s.failure != "" {
		panic("sim: a process panicked: " + s.failure)
	}
}

// How a wait ended.
const (
	wokeNone    = iota
	wokeTimer   // the time it waited for came
	wokeServed  // the server answered
	wokeFailed  // the server answered with a failure
	wokeStopped // the run was stopped
	wokeCancel  // the context it waited with was cancelled (WithCancel)
	wokeWoken   // a Waiter's wake
)

// A wait is one park of a process that several events race to end, such as
// a server's answer and the client's timeout: the first to fire wins and
// the others do nothing.
type wait struct {
	s   *Scheduler
	p   *proc
	why int // how it ended; wokeNone while parked
}

// newWait returns a wait for the running process, to be fired by events
// and then parked in. The cancel of a context that WithCancel made, ctx or
// one it was made from, fires it.
func (s *Scheduler) newWait(ctx context.Context) *wait {
	if s.running == nil {
		panic("sim: only a process can wait")
	}
	w := &wait{s: s, p: s.running}
	if sc, ok := ctx.Value(scopeKey{}).(*scope); ok {
		sc.add(w)
	}
	return w
}

// fire ends the wait, if nothing has yet, with why, and runs the process
// until it parks again or ends. Only events may call it.
func (w *wait) fire(why int) {
	if w.why != wokeNone {
		return
	}
	w.why = why
	w.p.wait = nil
	w.s.resume(w.p)
}

// park blocks the running process until an event fires the wait, and
// returns how it ended.
func (w *wait) park() int {
	w.p.wait = w
	w.s.parked <- struct{}{}
	<-w.p.wake
	return w.why
}
