package retry

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// loop is the retry loop behind Do and Run. It is not generic, so that one
// copy serves every result type. If opts hold a result classifier, the
// loop calls results, Do's, before the first attempt: Do then finds the
// classifier and says whether it suits its T (result.go). Run has none.
// h is DoHedged's, nil for Do and Run (hedge.go).
func loop(ctx context.Context, opts []Option, results func() error, op func(context.Context) error, h hedger) error {
	if ctx == nil {
		return &optionError{reason: "context is nil (pass context.Background() or context.TODO())"}
	}
	if cfg := resolved(opts); cfg != nil {
		return start(ctx, cfg, results, op, h)
	}
	// Only calls with options of their own pay for a configuration of
	// their own, on the stack: a copy, which needs no zeroing first.
	from, first := origin(opts)
	scratch := *from
	applyAll(&scratch, opts, first)
	scratch.settle()
	return start(ctx, &scratch, results, op, h)
}

// start runs the call with cfg.
//
// The first attempt of a call whose options ask for no set-up around it
// (see needSetup), made by Do or Run, is the operation's call alone (and a
// closed Breaker's permit, which needs no deferred call): start
// makes it before anything else, and sets up the rest, the run's state,
// its timer and its deferred calls, only if it fails, to go on from it.
// Most calls succeed at once and never pay for them.
//
// A note on its shape: start defers up to three calls, and the compiler
// makes them inline code only while the function has few returns (returns
// times defers at most 15); past that, every call pays the runtime's
// slower defers, some 35 ns. So the checks that return early are in
// check, and start keeps its returns to four.
func start(ctx context.Context, cfg *config, results func() error, op func(context.Context) error, h hedger) error {
	if cfg.needs&needCheck != 0 {
		if err := check(cfg, results, h); err != nil {
			return err
		}
	}
	var (
		layer *layerCtx // the attempts' context, once made
		err   error     // the first attempt's, if made here
		// The Breaker's word for the running attempt. It stays out of r,
		// as everything that escapes must (see callClock).
		permit breaker.Permit
	)
	if cfg.needs&needSetup == 0 && h == nil && ctx.Err() == nil && admitClosed(cfg.breaker, &permit) {
		// The layer escapes, to the operation: see below. A closed
		// Breaker's permit needs no deferred Cancel: were op to panic, it
		// would count nothing, as Cancel does.
		layer = &layerCtx{Context: ctx}
		if err = op(layer); err == nil {
			if cfg.breaker != nil {
				permit.Success()
			}
			return nil
		}
	}
	var clock callClock
	r := run{cfg: cfg, clock: &clock}
	// The clock is read only when something needs it: Deadline counts from
	// now, and events tell the time elapsed. A call with neither reads it
	// only when it fails and has a deadline: MaxRetryTime's, which counts
	// from the first failure, or the context's. (A call with either has not
	// made its first attempt yet.)
	if cfg.deadline > 0 || cfg.kinds != 0 {
		r.start = r.now()
		if cfg.deadline > 0 {
			r.deadline = r.start.add(cfg.deadline)
		}
	}
	if err == nil && ctx.Err() != nil {
		return r.stop(ctx, contextEnding(ctx), failure{})
	}
	parent := ctx
	if cfg.deadline > 0 && cfg.clock == nil {
		// Deadline bounds the running attempt too. Only calls that set one
		// pay for the timer. A timeout, not a time: a time.Time holds a
		// pointer, which would leak to the context, and with it everything
		// the run points to.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, cfg.deadline, deadlineCause(cfg.deadline))
		defer cancel()
	}
	if cfg.budget != nil {
		cfg.budget.earn()
	}
	defer clock.stop()
	// An attempt that panics tells the Breaker nothing, and frees a
	// half-open one's probe slot; after report, Cancel does nothing. Only
	// calls with a Breaker defer it: a deferred call costs the others some
	// nanoseconds.
	if cfg.breaker != nil {
		defer permit.Cancel()
	}
	switch {
	case layer == nil && h != nil:
		// A hedged call's state is on the heap already, and holds it.
		layer = h.round().layerFor(ctx)
	case layer == nil:
		// The layer escapes, to the operation: it stays out of r, which
		// would go along with it.
		layer = &layerCtx{Context: ctx}
	default:
		r.attempt = 1 // made above
	}
	err = r.loop(ctx, layer, op, &permit, h, err)
	if err != nil && !cfg.unlayered {
		tellParent(parent, err, r.attempt, layer.gaveUp.Load())
	}
	return err
}

// check returns the error of a call that must not make its first
// attempt: an invalid option, hedging options given to Do or Run, a result
// classifier that does not suit the call.
func check(cfg *config, results func() error, h hedger) error {
	switch {
	case cfg.err != nil:
		return cfg.err
	case h == nil && cfg.hedgeMax > 0:
		return errNotHedged
	case h == nil && cfg.releases:
		return errRelease
	case cfg.results && results == nil:
		return errRunResult
	case cfg.results:
		return results()
	}
	return nil
}

// run is the state of one call of the loop.
type run struct {
	cfg      *config
	start    instant // zero if neither a deadline nor an event needs it
	clock    *callClock
	deadline instant // zero: none; the context's joins at the first failure
	attempt  int     // attempts started
	counts   [classify.NumClasses]int
	prev     time.Duration // the last delay waited
	hint     time.Duration // the last failure's server hint, as given; 0: none
	joined   bool          // the deadlines that count from the first failure or refusal are joined
	draw     drawRule      // the call's, if its configuration does not know it (draws.go)
}

// callClock holds the one timer of a call, made at its first wait that is
// not zero. It lives apart from run, behind a pointer, because the timer
// escapes to the runtime, and the compiler would take everything a run
// holds along with it, the call's own configuration included.
type callClock struct {
	timer *time.Timer
}

func (c *callClock) stop() {
	if c.timer != nil {
		c.timer.Stop()
	}
}

// loop runs the attempts, each with layer for its context, until one
// succeeds or the call gives up. err is the error of the attempt that
// start made, if it made one (then r.attempt is 1), or nil.
func (r *run) loop(ctx context.Context, layer *layerCtx, op func(context.Context) error, permit *breaker.Permit, h hedger, err error) error {
	var f failure // the last attempt's
	for {
		var timedOut, reported bool
		if err == nil { // the next attempt is to be made
			if r.cfg.breaker != nil {
				if err := r.admit(ctx, &f, permit); err != nil {
					return err
				}
			}
			r.attempt++
			switch {
			case h != nil:
				timedOut, reported, err = r.race(ctx, layer, h, permit)
			case r.cfg.attemptTimeout == 0: // call's usual case, without its call
				err = op(layer)
			default:
				err, timedOut = callWith(layer, op, r.cfg.attemptTimeout)
			}
			if err == nil {
				if r.cfg.breaker != nil && !reported {
					permit.Success() // report's success, without its call
				}
				if r.cfg.budget != nil || r.cfg.kinds.Has(observe.KindSuccess) {
					r.succeed(ctx)
				}
				return nil
			}
		}
		var end ending
		var stop bool
		f, end, stop = r.judge(ctx, err, timedOut, layer.gaveUp.Load())
		if r.cfg.breaker != nil && !reported {
			report(ctx, permit, err, r.healthClass(err, f.class))
		}
		if stop {
			return r.stop(ctx, end, f)
		}
		if r.cfg.kinds.Has(observe.KindRetry) {
			r.tell(ctx, observe.KindRetry, f, nil)
		}
		if f.delay > 0 && !r.wait(ctx, f.delay) {
			return r.stop(ctx, contextEnding(ctx), failure{last: f.last, class: f.class})
		}
		// Time passes in the wait, and in subscribers even without one: no
		// attempt starts after the deadline. Without either, the time is
		// still f.now, and judge has just checked it.
		if r.deadline != 0 && (f.delay > 0 || r.cfg.kinds.Has(observe.KindRetry)) {
			if now := r.now(); r.pastDeadline(now) {
				return r.stop(ctx, endDeadline, failure{last: f.last, class: f.class, now: now})
			}
		}
		r.prev = f.delay
		if ctx.Err() != nil { // no attempt starts after ctx is done
			return r.stop(ctx, contextEnding(ctx), failure{last: f.last, class: f.class})
		}
		err = nil
	}
}

// succeed ends the call after an attempt that succeeded: it tells the
// budget and the subscribers, if the call has them. The loop calls it only
// if it has either.
func (r *run) succeed(ctx context.Context) {
	if b := r.cfg.budget; b != nil {
		b.succeed()
	}
	if r.cfg.kinds.Has(observe.KindSuccess) {
		r.tell(ctx, observe.KindSuccess, failure{now: r.now()}, nil)
	}
}

// judge decides what follows the attempt that failed with err: whether
// the call stops, and how, or the wait before the next attempt. Its checks
// come in the order of precedence that the package documentation gives.
// timedOut reports that the attempt's own timeout ended it, gaveUp that a
// loop nested in it gave up (retry at one layer).
func (r *run) judge(ctx context.Context, err error, timedOut, gaveUp bool) (f failure, end ending, stop bool) {
	f.last = classify.Strip(err)
	if ctx.Err() != nil {
		f.class = r.classify(err, false)
		return f, contextEnding(ctx), true
	}
	if !r.joined {
		if r.cfg.maxRetryTime > 0 {
			f.now = r.now()
		}
		r.joinDeadlines(ctx, f.now)
	}
	if f.now == 0 && (r.deadline != 0 || r.cfg.kinds != 0) {
		f.now = r.now()
	}
	f.class = r.classify(err, timedOut)
	if gaveUp {
		f.class = classify.Permanent
	}
	if timedOut && r.pastDeadline(f.now) {
		// The attempt ran past the deadline, until its own timeout.
		return f, endDeadline, true
	}
	r.counts[f.class]++
	switch n := r.cfg.classCaps[f.class]; {
	case f.class == classify.Permanent:
		return f, endPermanent, true
	case r.attempt >= r.cfg.maxAttempts:
		return f, endMaxAttempts, true
	case n > 0 && r.counts[f.class] >= n && f.class == classify.Unknown:
		return f, endUnknownCap, true
	case n > 0 && r.counts[f.class] >= n:
		return f, endClassCap, true
	}
	f.delay = r.delay(err, f.class, f.now)
	if !r.fits(f.delay, f.now) {
		return f, endDeadline, true
	}
	if b := r.cfg.budget; b != nil && !b.spend() {
		return f, endBudget, true
	}
	return f, ending{}, false
}

// call runs one attempt. timedOut reports that the attempt's own context
// (of AttemptTimeout) expired while the caller's did not.
func (r *run) call(ctx context.Context, op func(context.Context) error) (err error, timedOut bool) {
	if r.cfg.attemptTimeout == 0 { // the usual case, inline: callWith has a defer
		return op(ctx), false
	}
	return callWith(ctx, op, r.cfg.attemptTimeout)
}

// callWith runs op with ctx, and with timeout if it is not 0, as call does.
func callWith(ctx context.Context, op func(context.Context) error, timeout time.Duration) (err error, timedOut bool) {
	if timeout == 0 {
		return op(ctx), false
	}
	// ctx ends at the time of Deadline, if there is one, and so does the
	// attempt's context. MaxRetryTime ends no running attempt.
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel() // also when op panics
	err = op(actx)
	return err, err != nil && actx.Err() != nil && ctx.Err() == nil
}

// classify returns the class of err, an attempt's error. timedOut reports
// that the attempt's own timeout ended it: then the attempt is Transient,
// whatever a classifier makes of the context's error, unless the
// operation's error itself says Permanent (a marker or a RetryClass
// method), which no timeout overrules: a commit whose outcome is unknown,
// a request the server may have acted on. An inner loop's *Error does not
// speak so for the attempt: this attempt's timeout ended that loop. A value
// that a result classifier rejected has the class it gave, even if the
// attempt's time ran out as it returned.
func (r *run) classify(err error, timedOut bool) classify.Class {
	if rej, ok := err.(*rejected); ok {
		return rej.class // the result classifier's word: the attempt returned
	}
	if timedOut {
		if word, ok := errors.AsType[classify.Classed](err); ok && word.RetryClass() == classify.Permanent {
			if _, inner := errors.AsType[*Error](err); !inner {
				return classify.Permanent
			}
		}
		return classify.Transient
	}
	c := r.cfg.classifier.Classify(err)
	if int(c) >= classify.NumClasses {
		return classify.Unknown // a classifier's invention is not trusted
	}
	return c
}

// joinDeadlines makes the call's deadline the earliest of its own, the
// context's and that of MaxRetryTime counted from now, a reading of the
// clock (0 if there is no MaxRetryTime). It is called at the call's first
// failure or refusal, and does nothing after: before, the context enforces
// its own deadline, and a call that succeeds at once does not ask.
func (r *run) joinDeadlines(ctx context.Context, now instant) {
	if r.joined {
		return
	}
	r.joined = true
	if r.cfg.maxRetryTime > 0 {
		r.joinDeadline(now.add(r.cfg.maxRetryTime))
	}
	if d, ok := ctx.Deadline(); ok {
		r.joinDeadline(r.instantOf(d))
	}
}

// joinDeadline makes the call's deadline the earlier of its own and d.
func (r *run) joinDeadline(d instant) {
	if r.deadline == 0 || d < r.deadline {
		r.deadline = d
	}
}

func (r *run) pastDeadline(now instant) bool {
	return r.deadline != 0 && now >= r.deadline
}

// fits reports whether a wait of delay from now ends before the deadline, so
// that the next attempt starts before it. It compares durations, never
// adding to a time, so no value of delay can overflow.
func (r *run) fits(delay time.Duration, now instant) bool {
	return r.deadline == 0 || delay < r.deadline.sub(now)
}

// delay returns the wait before the next attempt: the strategy's delay for
// class, never negative, or the server's hint if that is longer, capped by
// MaxRetryAfter and spread over up to a tenth more, so that the clients a
// server gave the same hint do not all come back at the same instant. The
// spread never takes the wait above MaxRetryAfter, and takes at most half
// the time that would remain before the deadline after the hint, so that a
// hint that fits is taken. A hint that fits is taken even when the
// strategy's longer delay would not fit: the server said when to come back.
//
// It draws at most one random number, which the strategy and the spread
// share: before asking the strategy, unless the strategy ignores it
// (draws.go), and then only if a hint is to be spread. A
// draw costs some 10ns, a large share of a retry after Constant(0).
func (r *run) delay(err error, class classify.Class, now instant) time.Duration {
	var u float64
	drawn := r.draws(class)
	if drawn {
		u = r.cfg.random()
	}
	d := r.cfg.strategyFor(class).Delay(backoff.Input{
		Attempt: r.attempt,
		Class:   class,
		Prev:    r.prev,
		Random:  u,
	})
	d = max(d, 0)
	hint, ok := classify.RetryAfter(err)
	if !ok {
		r.hint = 0
		return d
	}
	r.hint = hint
	hint = min(hint, r.cfg.maxRetryAfter)
	if d > hint && r.fits(d, now) {
		return d
	}
	if !drawn {
		u = r.cfg.random()
	}
	slack := r.cfg.maxRetryAfter - hint // no overflow: hint <= maxRetryAfter
	if r.deadline != 0 {
		if left := r.deadline.sub(now) - hint; left > 0 {
			slack = min(slack, left/2)
		}
	}
	return hint + min(time.Duration(u*float64(hint/10)), slack)
}

// wait waits for delay, or until ctx is done, whichever comes first, and
// reports whether the wait ran its course with ctx not done. It reuses one
// timer per call.
func (r *run) wait(ctx context.Context, delay time.Duration) bool {
	if r.cfg.clock != nil {
		return r.cfg.clock.Sleep(ctx, delay)
	}
	w := r.clock
	if w.timer == nil {
		w.timer = time.NewTimer(delay)
	} else {
		w.timer.Reset(delay)
	}
	select {
	case <-ctx.Done():
		return false
	case <-w.timer.C:
		return ctx.Err() == nil // both ready: ctx wins
	}
}

// An instant is a reading of the loop's clock: the time since epoch on
// the monotonic clock, never 0, which means "no reading". The loop reads
// no wall clock: time.Since reads only the monotonic one, for about half
// the cost of time.Now, and an instant, unlike a time.Time, holds no
// pointer for the compiler to follow.
type instant time.Duration

// epoch is the origin of instants.
var epoch = time.Now()

// now reads the call's clock: the simulator's, if it set one, or the
// monotonic clock.
func (r *run) now() instant {
	if r.cfg.clock != nil {
		return r.instantOf(r.cfg.clock.Now())
	}
	return reading(time.Since(epoch))
}

// instantOf returns the instant of t, a deadline or a reading of the
// simulator's clock.
func (r *run) instantOf(t time.Time) instant { return reading(t.Sub(epoch)) }

func reading(d time.Duration) instant {
	if d == 0 {
		return 1 // 0 is no reading; a nanosecond is no error
	}
	return instant(d)
}

// add returns the instant d after i, saturating instead of overflowing.
func (i instant) add(d time.Duration) instant {
	if s := i + instant(d); (d > 0) == (s > i) {
		return reading(time.Duration(s))
	}
	if d > 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

// sub returns the duration from j to i, saturating instead of overflowing.
func (i instant) sub(j instant) time.Duration {
	d := i - j
	switch {
	case j < 0 && d < i: // i - j overflowed upwards
		return math.MaxInt64
	case j > 0 && d > i:
		return math.MinInt64
	}
	return time.Duration(d)
}
