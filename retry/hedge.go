package retry

import (
	"context"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/hook"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// This file is hedging: more than one attempt in flight at once, for
// DoHedged only. Do and Run call op on the caller's goroutine alone, so
// that the compiler keeps their op, and what it captures, on the caller's
// stack; a call that may run op on other goroutines says so by its entry
// point.
//
// A hedged call goes through the loop (loop.go) in rounds: each round is
// what one attempt is to a call of Do. The round's first attempt runs on
// the caller's goroutine, as Do's would, and a timer (time.AfterFunc, one
// per call, reset for each round) waits for the hedge delay. When the
// first attempt answers before the delay, the round is over: no goroutine
// has started. When the delay passes first, the timer's goroutine becomes
// the round's coordinator: it starts the hedges, each on a goroutine of its
// own, takes the first success and cancels the others, and waits for every
// attempt of the round, the caller's first included, before it ends the
// round. The caller's goroutine, once its attempt has returned, waits for
// that end. The round's outcome then goes through the loop as a single
// attempt's would: judge, the endings, the wait before the next round.
// The coordinator touches only the round (round), never the loop's state
// (run), which stays on the caller's stack; it notes what it did, and the
// caller sends the events once the round is over.
//
// On the simulator's clock, a hook.Runner, a round runs on the runner's
// processes and events instead of goroutines and a timer, with the same
// decisions (startHedge, settle): see hook.go.

// Hedge makes a call of DoHedged hedge: when the attempts in flight have
// not answered after delay, it starts another, up to max attempts in
// flight at once, the first included. The first attempt to succeed wins:
// the others' contexts are cancelled, and DoHedged returns only once every
// one of them has returned, passing the values they returned to the
// function of HedgeRelease, if any. An attempt that fails Permanent ends
// the call in the same way; one that fails in a way worth retrying starts
// the next attempt at once, if the call may start one (MaxAttempts and the
// cap of its class allow it: a failure that reaches its class's cap, such
// as MaxUnknownAttempts, starts none, and stops the hedges, while the
// attempts in flight go on, and the call gives up with it if none of them
// succeeds), unless it carries
// the server's pushback (classify.RetryAfter): then no attempt starts
// until the ones in flight have returned and the call has waited for the
// hint, as after one failed attempt.
//
// Every hedge is an attempt: MaxAttempts counts it, a Budget pays for it as
// for a retry and from its reserve of hedges, which no success refills (see
// Budget), and a Breaker is asked before each. When the Budget or the
// Breaker refuses, no hedge starts, and the attempts in flight go on. When
// every attempt in flight has failed, the call waits as it would after one
// failed attempt, and starts the next round.
//
// Do and Run, which run one attempt at a time, fail with ErrInvalidOption
// when given Hedge, and call no op.
//
// delay must not be negative; max must be at least 2.
//
// The last Hedge or HedgeAdaptive of a call wins.
//
// Default: none; one attempt at a time.
func Hedge(delay time.Duration, max int) Option { return hedge{delay: delay, max: max} }

// HedgeAdaptive is Hedge with a delay that follows the downstream's
// latency: each round of the call hedges after l.Delay() at that round's
// start, a high quantile (by default the 95th percentile) of the latency
// of the recent attempts to the downstream, within a floor and a cap, or a
// fixed fallback until l has measured enough of them (see LatencyConfig
// for the defaults). A fixed delay is too short when the downstream is
// loaded, and hedges most calls, and too long when it is fast, and cuts
// no tail; the quantile hedges about the slowest 5% of calls, whatever
// the downstream's speed.
//
// Every attempt of the call tells l how long it took, when it returns by
// itself: a success, or a failure, or its own AttemptTimeout. An attempt
// whose context was cancelled, a loser once another attempt won, or one
// that the caller's context ended, is not measured: its time says only
// that it took longer than the winner, and counting it as its latency
// would pull the quantile down, hedge earlier, cancel more of the slow
// attempts, and so on, until every call hedges at the floor. Share l
// between the calls to one downstream (Latencies keeps one per key).
//
// A nil l, the zero Latency or one of an invalid LatencyConfig fails the
// call with ErrInvalidOption before any attempt; max must be at least 2.
//
// Default: none; one attempt at a time.
func HedgeAdaptive(l *Latency, max int) Option { return hedge{max: max, latency: l, adaptive: true} }

// hedge is Hedge's and HedgeAdaptive's Option.
type hedge struct {
	delay    time.Duration
	max      int
	latency  *Latency // HedgeAdaptive's
	adaptive bool
}

func (o hedge) String() string {
	if o.adaptive {
		return "HedgeAdaptive(" + o.latency.String() + ", " + strconv.Itoa(o.max) + ")"
	}
	return "Hedge(" + o.delay.String() + ", " + strconv.Itoa(o.max) + ")"
}

func (o hedge) apply(c *config) {
	switch {
	case o.delay < 0:
		c.fail(o.String(), "delay must not be negative")
	case o.max < 2:
		c.fail(o.String(), "max must be at least 2: the first attempt and a hedge")
	case o.adaptive && o.latency.check() != "":
		c.fail(o.String(), o.latency.check())
	default:
		c.hedgeDelay, c.hedgeMax, c.hedgeLatency = o.delay, o.max, o.latency
	}
}

// roundDelay returns the hedge delay of a round that starts now.
func (c *config) roundDelay() time.Duration {
	if c.hedgeLatency != nil {
		return c.hedgeLatency.Delay()
	}
	return c.hedgeDelay
}

// HedgeRelease gives DoHedged a function to release the value of an
// attempt that lost a hedge race (see Hedge), such as closing a response's
// body: f is called, on the caller's goroutine and before DoHedged
// returns, with each value that an attempt returned with a nil error and
// that DoHedged does not return: a loser's, and a value that a result
// classifier rejected and a later attempt superseded.
//
// The function is typed: HedgeRelease(f) is for a DoHedged whose T is f's.
// A call of DoHedged for another T, or of Do or Run, that gets it fails
// with ErrInvalidOption before any attempt. The last HedgeRelease of a call
// wins.
//
// Default: none; the losers' values are dropped.
func HedgeRelease[T any](f func(v T)) Option { return releaseOption[T]{f: f} }

// releaseOption is HedgeRelease's Option. It has two fields, so that it is
// not pointer-shaped (see the note on escapes in applyOne).
type releaseOption[T any] struct {
	f func(T)
	_ bool
}

// releaser is what every releaseOption is, whatever its T.
type releaser interface {
	Option
	releaseType() string
}

func (o releaseOption[T]) String() string {
	return "HedgeRelease[" + o.releaseType() + "](…)"
}

func (o releaseOption[T]) releaseType() string { return reflect.TypeFor[T]().String() }

// apply records that the call releases values; DoHedged finds the function
// (releaseOf).
func (o releaseOption[T]) apply(c *config) { c.releases = true }

// releaseOf returns the release function that opts give a call of DoHedged
// for T, or nil, or an error if the last one is for another type or nil.
// As resultOf, it calls no method of an option in opts, only reads them.
func releaseOf[T any](opts []Option) (func(T), error) {
	var (
		f      func(T)
		found  bool
		bad    releaser // the last, if it does not suit T (in a bundle)
		inline string   // the last, if it does not suit T (inline): its type
	)
	for _, o := range opts {
		switch o := o.(type) {
		case releaseOption[T]:
			f, found, bad, inline = o.f, true, nil, ""
		case *bundle:
			if r := o.self.release; r != nil {
				ro, ok := r.(releaseOption[T])
				f, found, bad, inline = ro.f, ok, nil, ""
				if !ok || ro.f == nil {
					bad = r
				}
			}
		case releaser:
			f, found, bad = nil, false, nil
			inline = strings.TrimSuffix(strings.TrimPrefix(reflect.TypeOf(o).String(), "retry.releaseOption["), "]")
		}
	}
	if bad == nil && inline == "" && (f != nil || !found) {
		return f, nil // the usual case, which names no type: reflect costs
	}
	want := reflect.TypeFor[T]().String()
	switch {
	case bad != nil && bad.releaseType() == want:
		return nil, &optionError{option: bad.String(), reason: "func is nil"}
	case bad != nil:
		return nil, releaseError(bad.String(), bad.releaseType(), want)
	case inline != "":
		return nil, releaseError("HedgeRelease["+inline+"](…)", inline, want)
	case found && f == nil:
		return nil, &optionError{option: "HedgeRelease[" + want + "](…)", reason: "func is nil"}
	}
	return f, nil
}

// releaseError is the error of a HedgeRelease, printed as label, for values
// of type have, given to a call of DoHedged for want.
func releaseError(label, have, want string) error {
	return &optionError{option: label, reason: "releases values of type " + have + ", but DoHedged returns " + want}
}

// The errors of a call of Do or Run given a hedging option.
var (
	errNotHedged = &optionError{option: "Hedge", reason: "Do and Run run one attempt at a time (use retry.DoHedged to hedge)"}
	errRelease   = &optionError{option: "HedgeRelease", reason: "Do and Run release no value (use retry.DoHedged to hedge)"}
)

// DoHedged is Do for an operation that may run more than once at a time:
// with Hedge among opts, it hedges (see Hedge); without, it is Do. op must
// then be safe to call concurrently, and should be idempotent: a hedge is a
// second request while the first may still be served.
//
// The first attempt of every round runs on the caller's goroutine; the
// hedges, if the delay passes before it answers, on goroutines of their
// own, and none outlives the call. A panic in op, in any attempt, a loser
// included, or in a classifier of the call while attempts race, is raised
// on the caller's goroutine once every other attempt has returned; the
// values of the attempts, which the call does not return, are then
// released.
//
// The events of a round's hedges (observe.HedgeStarted, HedgeWon,
// HedgeCancelled) are sent on the caller's goroutine once the round is
// over, before the events of its outcome.
//
// Unlike Do, DoHedged lets op escape to the heap, and with it what op
// captures: a call that does not hedge should use Do.
func DoHedged[T any](ctx context.Context, op func(context.Context) (T, error), opts ...Option) (T, error) {
	var zero T
	if op == nil {
		return zero, errNilOp("DoHedged")
	}
	classify, err := resultOf[T](opts)
	if err != nil {
		return zero, err
	}
	release, err := releaseOf[T](opts)
	if err != nil {
		return zero, err
	}
	s := &hedgeState[T]{op: op, classify: classify, release: release}
	s.first.s = s
	normal := false
	if release != nil {
		defer func() {
			if !normal && s.rejected { // a panic: the call returns no value
				s.rejected = false
				release(s.last)
			}
		}()
	}
	err = loop(ctx, opts, foundResults, nil, s)
	normal = true
	switch {
	case err == nil:
		return s.v, nil
	case s.rejected:
		return s.last, err
	}
	return zero, err
}

// foundResults is DoHedged's answer to the loop's question about a result
// classifier: DoHedged found it before the call (resultOf), as it pays for
// a round anyway.
func foundResults() error { return nil }

// A hedger is how a call of DoHedged, whatever its T, takes part in the
// loop: it gives the call's round, and makes the attempts.
type hedger interface {
	round() *round
	// fork returns a new attempt, or the round's first, which is reused.
	fork(first bool) hedgeAttempt
}

// A hedgeAttempt is one attempt of a round, which keeps its value.
type hedgeAttempt interface {
	call(ctx context.Context) error
	keep()    // the call returns this attempt's outcome
	release() // this attempt lost: release its value, if it returned one
}

// hedgeState is a call of DoHedged: its operation and its result. It lives
// on the heap, with the round, as the hedges' goroutines hold it.
type hedgeState[T any] struct {
	rd       round
	op       func(context.Context) (T, error)
	classify func(T) (classify.Class, bool)
	release  func(T)
	first    hedgeCell[T] // the first attempt of each round

	v        T    // the last attempt's value
	last     T    // the last value rejected
	rejected bool // there is one
}

func (s *hedgeState[T]) round() *round { return &s.rd }

func (s *hedgeState[T]) fork(first bool) hedgeAttempt {
	if first {
		s.first = hedgeCell[T]{s: s}
		return &s.first
	}
	return &hedgeCell[T]{s: s}
}

// hedgeCell is one attempt of a call of DoHedged.
type hedgeCell[T any] struct {
	s        *hedgeState[T]
	v        T
	ok       bool // op returned v with a nil error
	rejected bool // a result classifier rejected v
}

func (c *hedgeCell[T]) call(ctx context.Context) error {
	v, err := c.s.op(ctx)
	c.v, c.ok = v, err == nil
	if err != nil || c.s.classify == nil {
		return err
	}
	if cl, reject := c.s.classify(v); reject {
		c.rejected = true
		return rejection(cl)
	}
	return nil
}

// keep makes c's outcome the call's. A value rejected before, which c's
// supersedes, will not be returned: it is released, as a loser's is. keep
// runs on the caller's goroutine.
func (c *hedgeCell[T]) keep() {
	c.s.v = c.v
	if c.s.rejected && (c.rejected || c.ok) {
		c.s.rejected = false
		if c.s.release != nil {
			c.s.release(c.s.last)
		}
	}
	if c.rejected {
		c.s.last, c.s.rejected = c.v, true
	}
}

func (c *hedgeCell[T]) release() {
	if c.ok && c.s.release != nil {
		c.s.release(c.v)
	}
}

// finish is how an attempt of a round ended.
type finish struct {
	i        int // the attempt's index in the round
	err      error
	timedOut bool
	panicked bool
	panicVal any
}

// raced is an attempt of a round.
type raced struct {
	a      hedgeAttempt
	cancel context.CancelFunc
	permit breaker.Permit // the Breaker's word for a hedge (the first's is the loop's)
	done   bool           // it has returned
}

// A hedgeNote is what the coordinator did, for an event that the caller
// sends once the round is over.
type hedgeNote struct {
	kind    observe.Kind
	attempt int // the call's attempt number of the hedge, or of the winner
	n       int // HedgeStarted: attempts in flight; HedgeCancelled: losers
	now     instant
}

// round is the state of the rounds of one call of DoHedged. The caller's
// goroutine owns it, but from the moment the timer fires to the moment the
// coordinator closes over, when the coordinator does; mu guards the
// handover, and the timer's bookkeeping. Rounds are not pooled across
// calls: a timer belongs to the synctest bubble, if any, of the call that
// made it, and would not fire in another.
type round struct {
	own layerCtx // the call's layer (layerFor), which the heap holds anyway

	// Set by the caller before each round.
	ctx         context.Context // the caller's: no hedge starts once it is done
	layer       *layerCtx
	delay       time.Duration
	max         int
	timeout     time.Duration
	latency     *Latency // nil: the delay is fixed, and no attempt is measured
	maxAttempts int
	budget      *Budget
	breaker     *breaker.Breaker
	classifier  classify.Classifier
	left        [classify.NumClasses]int32 // failures of each class the call may still have, its cap included; 0: no cap
	kinds       observe.Set
	clocked     bool // a hook.Clock is set: events read no real time
	attempt     int  // attempts of the call started, as run.attempt
	base        int  // the call's attempt number of the round's first
	h           hedger
	on          *onRunner // the simulator's: the round runs on it (hook.go); nil: the real clock

	mu      sync.Mutex
	timer   *time.Timer   // time.AfterFunc(delay, fire), made at the first round
	pending bool          // the timer is armed and fire has not taken mu since
	stale   int           // fires still to come of timers stopped too late: ignored
	ack     chan struct{} // a stale fire has returned
	fired   bool          // this round's delay passed: the coordinator runs it
	tick    chan struct{}

	// The coordinator's, while it runs.
	inFlight  int         // attempts of the round that have not returned
	results   chan finish // one per attempt in flight: never blocks one
	over      chan struct{}
	atts      []raced
	atts2     [2]raced                 // atts's array while two suffice
	counts    [classify.NumClasses]int // failures the round counted, but the one that decided it
	cancelled int                      // attempts the round cancelled once decided
	// A copy of the first attempt's permit, through which the round tells
	// the Breaker of the first attempt's end once the round races, as it
	// tells it of the hedges'. The caller's copy then tells nothing: a
	// half-open probe ends once, whichever copy ends it, and a closed
	// breaker's permit counts only what it is told.
	firstPermit breaker.Permit
	notes       []hedgeNote
	decided     int // the attempt whose outcome the round returns; -1: none yet
	err         error
	timedOut    bool
	panicked    bool
	refused     bool    // the Budget or the Breaker refused a hedge, or the server pushed back: no more start
	capped      bool    // a failure reached its class's cap: the round ends with it (endWith)
	decidedAt   instant // when the round was decided, for its events; 0: not read
	lastRej     int     // the last attempt whose value was rejected, before the round was decided; -1: none

	// The attempt whose failure the round ends with, though it did not
	// return last, and its class; -1: none. It is the first to fail with
	// the server's pushback, or a value rejected after that.
	endWith  int
	endClass classify.Class
	panicVal any
}

// race runs one round of a hedged call: the attempt that the loop has
// counted and admitted (with permit, if there is a Breaker), and the hedges
// that follow it. It returns the outcome of the attempt that decides the
// round, the first success, the Permanent failure, or the last failure
// when every attempt failed, after every attempt it started has returned.
// reported says that it told the Breaker of the first attempt itself.
func (r *run) race(ctx context.Context, layer *layerCtx, h hedger, permit *breaker.Permit) (timedOut, reported bool, err error) {
	rd := h.round()
	first := h.fork(true)
	if r.cfg.hedgeMax == 0 { // DoHedged without Hedge: Do
		err, timedOut = r.call(layer, first.call)
		first.keep()
		return timedOut, false, err
	}
	if r.cfg.clock != nil {
		if rn, ok := r.cfg.clock.(hook.Runner); ok { // the simulator's (hook.go)
			return r.raceOn(rn, ctx, layer, h, first, permit)
		}
	}
	actx, cancel := context.WithCancel(layer)
	rd.mu.Lock()
	rd.begin(r, ctx, layer, h, first, cancel, permit)
	rd.pending = true
	if rd.timer == nil {
		rd.timer = time.AfterFunc(rd.delay, rd.fire)
	} else {
		rd.timer.Reset(rd.delay)
	}
	rd.mu.Unlock()

	normal := false
	defer func() {
		if !normal { // op panicked: the others must end before the panic goes on
			if rd.finishFirst(finish{panicked: true}) {
				rd.releaseAll(-1, -1)
			}
			cancel()
		}
	}()
	var began time.Duration // on the monotonic clock alone, as the loop's
	if rd.latency != nil {
		began = time.Since(epoch)
	}
	err, timedOut = callWith(actx, first.call, r.cfg.attemptTimeout)
	normal = true
	if rd.latency != nil && actx.Err() == nil {
		rd.latency.observe(time.Since(epoch) - began)
	}
	if !rd.finishFirst(finish{err: err, timedOut: timedOut}) {
		cancel()
		first.keep()
		return timedOut, false, err
	}
	// The delay passed: the coordinator decided the round.
	return r.endRace(ctx, rd, permit)
}

// layerFor returns the layer of the call whose attempts' context is ctx:
// a hedged call keeps it in its round, which lives on the heap with the
// call's state, instead of a layer of its own (layer.go).
func (rd *round) layerFor(ctx context.Context) *layerCtx {
	rd.own.Context = ctx
	return &rd.own
}

// begin sets rd up for a round of r whose first attempt is first, with
// the context that cancel ends. The caller holds mu.
func (rd *round) begin(r *run, ctx context.Context, layer *layerCtx, h hedger, first hedgeAttempt, cancel context.CancelFunc, permit *breaker.Permit) {
	rd.firstPermit = *permit // a copy: the round's, once it races (see settle)
	rd.ctx, rd.layer = ctx, layer
	rd.delay, rd.max, rd.timeout = r.cfg.roundDelay(), r.cfg.hedgeMax, r.cfg.attemptTimeout
	rd.latency = r.cfg.hedgeLatency
	rd.maxAttempts, rd.budget, rd.breaker = r.cfg.maxAttempts, r.cfg.budget, r.cfg.breaker
	rd.classifier, rd.kinds, rd.clocked = r.cfg.classifier, r.cfg.kinds, r.cfg.clock != nil
	for c, n := range r.cfg.classCaps {
		rd.left[c] = 0
		if n > 0 {
			rd.left[c] = int32(max(1, min(n-r.counts[c], math.MaxInt32)))
		}
	}
	rd.attempt, rd.base, rd.h = r.attempt, r.attempt, h
	rd.cancelled = 0
	if rd.atts == nil {
		rd.atts = rd.atts2[:0]
	}
	rd.atts = append(rd.atts[:0], raced{a: first, cancel: cancel})
	rd.counts = [classify.NumClasses]int{}
	rd.notes = rd.notes[:0]
	rd.fired, rd.decided, rd.lastRej, rd.capped, rd.decidedAt = false, -1, -1, false, 0
	rd.err, rd.timedOut, rd.panicked, rd.panicVal = nil, false, false, nil
}

// endRace ends a round that the delay's passing made a race, once every
// attempt of it has returned: the loop takes the round's outcome, the
// losers' values are released, and the hedges' events sent.
func (r *run) endRace(ctx context.Context, rd *round, permit *breaker.Permit) (timedOut, reported bool, err error) {
	r.attempt = rd.attempt
	if rd.err == nil && !rd.panicked {
		// The call ends in success: its event names the winner, which
		// may have started before the attempts that lost.
		r.attempt = rd.base + rd.decided
	}
	for c, n := range rd.counts {
		r.counts[c] += n
	}
	switch {
	case rd.panicked: // the call returns no value
		rd.releaseAll(-1, -1)
	case rd.err != nil && rd.lastRej >= 0 && rd.lastRej != rd.decided:
		// The round failed after a value it rejected: the call keeps that
		// value, as the last rejected, as Do does (keep), unless a later
		// round supersedes it.
		rd.atts[rd.lastRej].a.keep()
		rd.releaseAll(rd.decided, rd.lastRej)
	default:
		rd.releaseAll(rd.decided, -1)
	}
	r.tellHedges(ctx, rd)
	if rd.panicked {
		panic(rd.panicVal)
	}
	return rd.timedOut, r.cfg.breaker != nil, rd.err
}

// finishFirst ends the round's first attempt, on the caller's goroutine.
// If the delay has not passed, it stops the timer and reports false: the
// first attempt's outcome is the round's. Otherwise it hands f to the
// coordinator, waits until the round is over, and reports true.
func (rd *round) finishFirst(f finish) bool {
	rd.mu.Lock()
	if !rd.fired {
		owed := rd.stop()
		rd.mu.Unlock()
		if owed {
			<-rd.ack
		}
		return false
	}
	rd.mu.Unlock()
	rd.results <- f
	<-rd.over
	return true
}

// stop stops the timer, with mu held. A timer that has expired but whose
// fire has not taken mu yet leaves a fire to come, which must do nothing:
// stop then reports true, and the caller, once it has released mu, waits
// for that fire on ack, so that no goroutine of the call outlives it.
func (rd *round) stop() (owed bool) {
	owed = !rd.timer.Stop() && rd.pending
	if owed {
		rd.stale++
		if rd.ack == nil {
			rd.ack = make(chan struct{}, 1)
		}
	}
	rd.pending = false
	return owed
}

// arm sets the timer for the next hedge, with mu held.
func (rd *round) arm() {
	rd.pending = true
	rd.timer.Reset(rd.delay)
}

// fire runs on the timer's goroutine when the delay has passed. The first
// time in a round, it becomes the round's coordinator; after that, it
// tells the coordinator that the next delay passed.
func (rd *round) fire() {
	rd.mu.Lock()
	if rd.stale > 0 {
		rd.stale--
		rd.mu.Unlock()
		rd.ack <- struct{}{}
		return
	}
	rd.pending = false
	if rd.fired {
		select {
		case rd.tick <- struct{}{}:
		default:
		}
		rd.mu.Unlock()
		return
	}
	rd.fired = true
	if rd.results == nil {
		rd.results = make(chan finish, rd.max)
		rd.tick = make(chan struct{}, 1)
	} else if cap(rd.results) < rd.max {
		rd.results = make(chan finish, rd.max)
	}
	rd.over = make(chan struct{})
	rd.mu.Unlock()
	rd.coordinate()
}

// coordinate runs the round from the moment its delay passed, with its
// first attempt in flight on the caller's goroutine, until every attempt
// has returned.
func (rd *round) coordinate() {
	rd.inFlight, rd.refused, rd.endWith = 1, false, -1
	rd.hedgeOnTick()
	done := rd.ctx.Done()
	for rd.inFlight > 0 {
		select {
		case f := <-rd.results:
			rd.settle(f)
		case <-rd.tick:
			rd.hedgeOnTick()
		case <-done:
			done = nil // the attempts see it too; no hedge starts after it
		}
	}
	rd.noteEnd()
	rd.mu.Lock()
	owed := rd.stop()
	rd.mu.Unlock()
	if owed {
		<-rd.ack
	}
	select {
	case <-rd.tick: // a tick the round did not take: no fire is to come now
	default:
	}
	close(rd.over)
}

// hedgeOnTick starts a hedge, the delay having passed, and arms the timer
// for the next, if one may follow. The Breaker's Allow may call the
// caller's code, a subscriber of its state: a panic there decides the
// round, as an attempt's does, and is raised on the caller's goroutine,
// not on the timer's.
func (rd *round) hedgeOnTick() {
	defer func() {
		if p := recover(); p != nil {
			rd.decidePanic(0, p)
		}
	}()
	if rd.startHedge(false) && rd.inFlight < rd.max {
		rd.mu.Lock()
		rd.arm()
		rd.mu.Unlock()
	}
}

// decidePanic decides the round with p, a panic of attempt i or of the
// caller's code that the round ran for it (a classifier, a subscriber),
// unless a panic decided it already; or, if another attempt decided it,
// keeps p to raise on the caller's goroutine: a panic is never lost.
func (rd *round) decidePanic(i int, p any) {
	if rd.panicked {
		return
	}
	rd.panicked, rd.panicVal = true, p
	if rd.decided < 0 {
		rd.decided = i
		rd.cancelAll()
	}
}

// startHedge starts a hedge, if one may start now: it pays the budget and
// asks the breaker, and reports whether it started one. With retry, the
// attempt replaces one that failed, and the Budget counts it as a retry,
// not a hedge.
func (rd *round) startHedge(retry bool) bool {
	switch {
	case rd.refused, rd.inFlight >= rd.max, rd.attempt >= rd.maxAttempts, rd.ctx.Err() != nil, rd.decided >= 0:
		return false
	}
	var permit breaker.Permit
	if rd.breaker != nil {
		p, err := rd.breaker.Allow()
		if err != nil {
			rd.refused = true
			return false
		}
		permit = p
	}
	if rd.budget != nil && !rd.pay(retry) {
		if rd.breaker != nil {
			permit.Cancel()
		}
		rd.refused = true
		return false
	}
	rd.attempt++
	rd.inFlight++
	a := rd.h.fork(false)
	if rd.on != nil {
		rd.spawnOn(a, permit) // hook.go
		return true
	}
	actx, cancel := context.WithCancel(rd.layer)
	i := len(rd.atts)
	rd.atts = append(rd.atts, raced{a: a, cancel: cancel, permit: permit})
	rd.note(observe.KindHedgeStarted, rd.attempt, rd.inFlight)
	go hedgeCall(actx, a, rd.timeout, rd.latency, i, rd.results)
	return true
}

// pay pays the Budget for an attempt of the round: as a retry, or as a
// hedge.
func (rd *round) pay(retry bool) bool {
	if retry {
		return rd.budget.spend()
	}
	return rd.budget.spendHedge()
}

// settle takes the end of an attempt of the round: the first success, or
// a Permanent failure, decides the round and cancels the others; a
// failure worth retrying starts the next attempt at once, if one may
// start, while others are in flight.
func (rd *round) settle(f finish) {
	rd.inFlight--
	rd.atts[f.i].done = true
	rd.atts[f.i].cancel()
	// The classifier and the Breaker's subscribers are the caller's code:
	// a panic in them ends the round as a panic of the attempt would.
	defer func() {
		if p := recover(); p != nil {
			rd.decidePanic(f.i, p)
		}
	}()
	lost := rd.decided >= 0
	// The breaker learns of the outcome before the round acts on it, so
	// that a failure that opens it stops the attempt that would replace it.
	if rd.breaker != nil {
		p := &rd.firstPermit
		if f.i > 0 {
			p = &rd.atts[f.i].permit
		}
		rd.report(p, f, lost)
	}
	switch {
	case f.panicked: // a loser's too: a panic is never lost
		rd.decidePanic(f.i, f.panicVal)
	case lost:
		// A loser, cancelled, has returned.
	case f.err == nil:
		rd.decided, rd.err, rd.timedOut = f.i, nil, false
		rd.cancelAll()
	default:
		class := rd.classify(f.err, f.timedOut)
		if class == classify.Permanent || rd.layer.gaveUp.Load() || rd.ctx.Err() != nil {
			rd.decided, rd.err, rd.timedOut = f.i, f.err, f.timedOut
			rd.cancelAll()
			break
		}
		// Worth retrying: while others are in flight, the next attempt
		// starts at once, if one may. The round ends when none is left in
		// flight, and the loop waits as after any failed attempt. A failure
		// with the server's pushback starts none, and stops the hedges of
		// the round: the round then ends with it, whatever fails after it,
		// so that the loop waits for its hint; but with a value rejected
		// after it, if any, which the call returns as the last value
		// rejected.
		//
		// A failure that reaches its class's cap (MaxUnknownAttempts,
		// MaxAttemptsFor) starts none either, and stops the hedges: Do
		// would give up there. The round ends with it, whatever fails
		// after it, so that the loop gives up; the attempts in flight go
		// on, as when MaxAttempts is reached, and may still win.
		_, hinted := classify.RetryAfter(f.err)
		rejected := isRejected(f.err)
		if rejected {
			rd.lastRej = f.i
		}
		switch {
		case rd.capped:
		case rd.reachesCap(class):
			rd.capped, rd.endWith, rd.endClass, rd.refused = true, f.i, class, true
			rd.err, rd.timedOut = f.err, f.timedOut
		case rd.endWith < 0 && hinted && !rejected:
			rd.endWith, rd.endClass, rd.refused = f.i, class, true
			rd.err, rd.timedOut = f.err, f.timedOut
		case rd.endWith >= 0 && rejected:
			rd.endWith, rd.endClass = f.i, class
			rd.err, rd.timedOut = f.err, f.timedOut
		case rd.endWith < 0:
			rd.err, rd.timedOut = f.err, f.timedOut
		}
		if rd.inFlight > 0 {
			rd.startHedge(true)
		}
		switch {
		case rd.inFlight > 0:
			rd.counts[class]++
		case rd.endWith >= 0 && rd.endWith != f.i:
			// The loop counts the failure the round ends with, counted
			// here when it came: count this one instead.
			rd.counts[class]++
			rd.counts[rd.endClass]--
			rd.decided = rd.endWith
		default:
			rd.decided = f.i
		}
	}
}

// reachesCap reports whether a failure of class, in the round, reaches
// the call's cap for that class.
func (rd *round) reachesCap(class classify.Class) bool {
	n := int(rd.left[class])
	return n > 0 && rd.counts[class]+1 >= n
}

// noteEnd notes, once every attempt of the round has returned, which won
// and how many lost, as of when the round was decided.
func (rd *round) noteEnd() {
	if rd.decided >= 0 && !rd.panicked && rd.err == nil && len(rd.atts) > 1 {
		rd.noteAt(observe.KindHedgeWon, rd.base+rd.decided, 0, rd.decidedAt)
	}
	if rd.cancelled > 0 {
		rd.noteAt(observe.KindHedgeCancelled, rd.base+rd.decided, rd.cancelled, rd.decidedAt)
	}
}

// cancelAll cancels the attempts of the round that are still running: the
// round is decided, now.
func (rd *round) cancelAll() {
	if rd.kinds.Has(observe.KindHedgeWon) || rd.kinds.Has(observe.KindHedgeCancelled) {
		rd.decidedAt = rd.now()
	}
	for i := range rd.atts {
		if !rd.atts[i].done {
			rd.atts[i].cancel()
			rd.cancelled++
		}
	}
}

// classify returns the class of err, an attempt's error, as run.classify
// does.
func (rd *round) classify(err error, timedOut bool) classify.Class {
	r := run{cfg: &config{classifier: rd.classifier}}
	return r.classify(err, timedOut)
}

// report tells the Breaker through p how an attempt of the round ended:
// f, and lost if the round was decided by another before it returned.
func (rd *round) report(p *breaker.Permit, f finish, lost bool) {
	if lost || f.panicked {
		p.Cancel() // no word on the downstream
		return
	}
	class := classify.Unknown
	if f.err != nil {
		r := run{cfg: &config{classifier: rd.classifier}}
		class = r.healthClass(f.err, r.classify(f.err, f.timedOut))
	}
	report(rd.ctx, p, f.err, class)
}

// note keeps what the coordinator did, for the caller to tell, if anyone
// takes events of kind.
func (rd *round) note(kind observe.Kind, attempt, n int) {
	if rd.kinds.Has(kind) {
		rd.noteAt(kind, attempt, n, rd.now())
	}
}

// noteAt is note, of what happened at now (0: the caller reads the time
// when it sends the event).
func (rd *round) noteAt(kind observe.Kind, attempt, n int, now instant) {
	if rd.kinds.Has(kind) {
		rd.notes = append(rd.notes, hedgeNote{kind: kind, attempt: attempt, n: n, now: now})
	}
}

// now reads the round's clock for its notes: the simulator's, the real
// one, or none (0) under another hook.Clock.
func (rd *round) now() instant {
	switch {
	case rd.on != nil: // the simulator's, which the round runs on
		return reading(rd.on.runner.Now().Sub(epoch))
	case !rd.clocked:
		return reading(time.Since(epoch))
	}
	return 0
}

// releaseAll ends the round on the caller's goroutine: every attempt's
// context is cancelled, and the values of all but the decided attempt
// released, but that of kept, which the caller kept already (-1: none).
func (rd *round) releaseAll(decided, kept int) {
	for i := range rd.atts {
		rd.atts[i].cancel()
		switch i {
		case decided:
			rd.atts[i].a.keep()
		case kept:
		default:
			rd.atts[i].a.release()
		}
	}
}

// hedgeCall runs one hedge on a goroutine of its own, and sends how it
// ended on results, a panic included; it tells lat, if any, how long the
// hedge took, unless ctx was cancelled (see HedgeAdaptive). It takes no
// *run, which would then escape to the heap for every call.
func hedgeCall(ctx context.Context, a hedgeAttempt, timeout time.Duration, lat *Latency, i int, results chan<- finish) {
	f := finish{i: i}
	defer func() {
		if p := recover(); p != nil {
			f.panicked, f.panicVal = true, p
		}
		results <- f
	}()
	var began time.Duration // on the monotonic clock alone, as the loop's
	if lat != nil {
		began = time.Since(epoch)
	}
	f.err, f.timedOut = callWith(ctx, a.call, timeout)
	if lat != nil && ctx.Err() == nil {
		lat.observe(time.Since(epoch) - began)
	}
}

// tellHedges sends the events that the coordinator noted in the round.
func (r *run) tellHedges(ctx context.Context, rd *round) {
	for _, n := range rd.notes {
		now := n.now
		if now == 0 {
			now = r.now()
		}
		i := observe.Info{Operation: r.cfg.name, Attempt: n.attempt, Elapsed: now.sub(r.start)}
		switch n.kind {
		case observe.KindHedgeStarted:
			emit(ctx, r.cfg, n.kind, observe.HedgeStarted{Operation: i.Operation, Attempt: i.Attempt, InFlight: n.n, Elapsed: i.Elapsed})
		case observe.KindHedgeWon:
			emit(ctx, r.cfg, n.kind, observe.HedgeWon{Operation: i.Operation, Attempt: i.Attempt, Hedge: n.attempt > rd.base, Elapsed: i.Elapsed})
		case observe.KindHedgeCancelled:
			emit(ctx, r.cfg, n.kind, observe.HedgeCancelled{Operation: i.Operation, Attempt: i.Attempt, Losers: n.n, Elapsed: i.Elapsed})
		}
	}
}
