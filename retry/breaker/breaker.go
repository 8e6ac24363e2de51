package breaker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/hook"
	"github.com/reflexio-go/reflexio/observe"
)

// A Breaker is a circuit breaker: it guards one downstream, shared by every
// call to it, and refuses attempts at once while the downstream looks down,
// so that its callers do not wait for failures and the downstream recovers
// without their load.
//
// The model, three states:
//
//   - Closed, every attempt goes through. The breaker counts the outcomes
//     of the Classes that speak of the downstream's health; it opens when
//     their share of the calls of the last Window reaches FailureRatio
//     (given at least MinCalls calls), or after ConsecutiveFailures of them
//     in a row, or at once for a RateLimit failure that carries the
//     server's hint of how long to wait.
//   - Open, every attempt is refused with an error matching ErrOpen, an
//     *OpenError that says when the next probe may go. Refusals count
//     nothing. The break lasts BreakDuration, longer each time the breaker
//     opens again (see Config), or exactly the server's hint, capped.
//   - Half-open, once the break is over: the first Allow moves the breaker
//     to it and lets at most HalfOpenProbes attempts through at once; the
//     others are refused as when open. SuccessesToClose successful probes
//     close it; any counted failure of a probe opens it again at once.
//
// Each attempt asks Allow first; if it is allowed, exactly one of the
// Permit's Success, Failure or Cancel tells how it ended.
//
// A Breaker is safe for concurrent use, and meant to be shared by every
// goroutine that calls its downstream: one per host, database or service,
// never one for a whole client. While it is closed, Allow and Success take
// no lock, allocate nothing, and write to no memory that every CPU shares:
// the successes are counted in striped counters, the failures under a lock.
// So the Window counts failures exactly, by buckets of a tenth of it, and
// the successes it holds from snapshots of the counters taken at each
// failure, interpolating between the two snapshots around the Window's
// start as if the successes between them were spread evenly.
//
// Only New makes a Breaker; it must not be copied. A zero or nil Breaker,
// a copy, or one made from an invalid Config, refuses every attempt with
// an error matching ErrInvalidConfig.
type Breaker struct {
	// word is the state in its low two bits and the generation above
	// them: every change of state makes a new word, so that a Permit from
	// an earlier state counts nothing. Read by every Allow and outcome,
	// written only on a change of state.
	word atomic.Uint64
	// self is the Breaker itself, to tell a copy: next to word, so that
	// the closed state's path, which checks both, reads one cache line.
	self *Breaker
	// until is when an open breaker's break ends, in nanoseconds since
	// epoch.
	until atomic.Int64
	// stripes count the successes of closed states, one stripe per
	// goroutine's stack (see stripeOf), so that CPUs rarely write to the
	// same line.
	stripes []stripe
	mask    uint32

	s     settings
	err   error
	epoch time.Time
	clock hook.Clock // nil: the real one (see hook.go)

	// rand returns a number in [0, n), n > 0: the spread of breaks. A
	// seam for tests.
	rand func(n int64) int64

	mu sync.Mutex
	w  window // closed: the failures and snapshots of the Window
	// closed: consecutive counted failures, and the successes counted at
	// the last of them
	consecutive int
	lastFailure uint64
	trips       int // opens since the breaker last closed, hints aside
	// half-open: each slot holds the probe in flight in it (see probeOf),
	// or 0
	probes    []uint64
	inflight  int
	probesOK  int
	nextProbe uint64
}

// The states in a word's low bits. A zero word is no state: the zero
// Breaker, or an invalid Config.
const (
	stClosed   = 1
	stOpen     = 2
	stHalfOpen = 3
	stateMask  = 3
	genOne     = 4 // one generation in a word
)

// stripe is a counter on a cache line of its own.
type stripe struct {
	n atomic.Uint64
	_ [56]byte
}

// New returns a Breaker configured by cfg, closed. It never fails and
// never panics: if cfg is invalid, the Breaker refuses every attempt with
// an error that names the field and its value and matches
// ErrInvalidConfig, and Err returns that error.
func New(cfg Config) *Breaker {
	b := &Breaker{epoch: time.Now(), rand: rand.Int64N}
	if c := cfg.clock; c != nil {
		b.clock, b.epoch = c.c, c.c.Now()
		if c.rand != nil {
			b.rand = c.rand
		}
	}
	b.self = b
	b.s, b.err = resolve(cfg)
	if b.err != nil {
		return b
	}
	n := 8
	for n < 4*runtime.GOMAXPROCS(0) && n < 64 {
		n *= 2
	}
	b.stripes = make([]stripe, n)
	b.mask = uint32(n - 1)
	b.probes = make([]uint64, b.s.probes)
	b.w.reset(0, 0)
	b.word.Store(genOne | stClosed)
	return b
}

// Err returns the error that Allow returns for every attempt if the
// Breaker cannot work: it was made from an invalid Config, it is the zero
// Breaker or a copy, or it is nil. It returns nil otherwise.
func (b *Breaker) Err() error {
	switch {
	case b == nil:
		return errNil
	case b.self == nil:
		return errZero
	case b.self != b:
		return errCopy
	}
	return b.err
}

var (
	errNil  = fmt.Errorf("%w: the Breaker is nil", ErrInvalidConfig)
	errZero = fmt.Errorf("%w: the zero Breaker has no config; make one with New", ErrInvalidConfig)
	errCopy = fmt.Errorf("%w: a copy of a Breaker shares nothing with it; use the *Breaker that New returned", ErrInvalidConfig)
)

// State returns the Breaker's state. An open Breaker whose break is over
// stays open until the next Allow, which moves it to half-open. A Breaker
// that cannot work (see Err) is closed.
func (b *Breaker) State() observe.BreakerState {
	if b == nil {
		return observe.BreakerClosed
	}
	return stateOf(b.word.Load())
}

func stateOf(w uint64) observe.BreakerState {
	switch w & stateMask {
	case stOpen:
		return observe.BreakerOpen
	case stHalfOpen:
		return observe.BreakerHalfOpen
	}
	return observe.BreakerClosed
}

// String describes the Breaker by its name and state, such as
// `Breaker("users": open)`; a nil one is "<nil>", as fmt prints a nil
// pointer.
func (b *Breaker) String() string {
	if b == nil {
		return "<nil>"
	}
	name := ""
	if b.self == b {
		name = b.s.name
	}
	return `Breaker("` + name + `": ` + b.State().String() + ")"
}

// Allow asks whether an attempt may go to the downstream now. If so, it
// returns a Permit, and exactly one of the Permit's Success, Failure or
// Cancel must tell how the attempt ended (or a half-open breaker's probe
// slot stays taken). If not, it returns an error matching ErrOpen, an
// *OpenError that says when the next probe may go, and the attempt counts
// as none: it must not be made. If the Breaker cannot work, every Allow
// returns Err's error.
func (b *Breaker) Allow() (Permit, error) {
	if p, ok := b.AllowClosed(); ok {
		return p, nil
	}
	return b.allowSlow()
}

// AllowClosed is the path of Allow that a closed Breaker takes, for loops
// that count nanoseconds: small enough for the compiler to inline, where
// Allow is a call. If the Breaker is closed, it returns the Permit that
// Allow would, and true. Otherwise it returns false, which says nothing
// of whether the attempt may go: ask Allow, which answers in every state.
func (b *Breaker) AllowClosed() (Permit, bool) {
	if b != nil {
		if w := b.word.Load(); w&stateMask == stClosed && b.self == b {
			return Permit{b: b, gen: w}, true
		}
	}
	return Permit{}, false
}

// allowSlow is Allow when the breaker is not closed.
func (b *Breaker) allowSlow() (Permit, error) {
	if err := b.Err(); err != nil {
		return Permit{}, err
	}
	w := b.word.Load()
	if w&stateMask == stOpen {
		now, until := b.now(), b.until.Load()
		if now < until {
			return Permit{}, b.refuse(until, until-now)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	w = b.word.Load()
	switch w & stateMask {
	case stClosed:
		return Permit{b: b, gen: w}, nil
	case stOpen:
		now, until := b.now(), b.until.Load()
		if now < until {
			return Permit{}, b.refuse(until, until-now)
		}
		b.halfOpen()
		w = b.word.Load()
	}
	// Half-open.
	if b.inflight >= len(b.probes) {
		wait := max(b.s.base/10, 1)
		return Permit{}, b.refuse(saturating(b.now(), wait), wait)
	}
	for i, id := range b.probes {
		if id == 0 {
			b.nextProbe++
			b.probes[i] = probeOf(b.nextProbe, i)
			b.inflight++
			return Permit{b: b, gen: w, probe: b.probes[i]}, nil
		}
	}
	panic("breaker: no free probe slot") // unreachable: inflight < len(probes)
}

// refuse returns the error of a refused attempt.
func (b *Breaker) refuse(until, wait int64) error {
	return &OpenError{Breaker: b.s.name, Until: b.epoch.Add(time.Duration(until)), Wait: time.Duration(wait)}
}

// now returns the time since the Breaker was made, in nanoseconds, on the
// monotonic clock, or on the clock of its Config's hook.
func (b *Breaker) now() int64 {
	if b.clock != nil {
		return max(int64(b.clock.Now().Sub(b.epoch)), 0)
	}
	return max(int64(time.Since(b.epoch)), 0)
}

// successes returns how many successes the closed states counted so far.
func (b *Breaker) successes() uint64 {
	var n uint64
	for i := range b.stripes {
		n += b.stripes[i].n.Load()
	}
	return n
}

// stripeOf returns a hash of the calling goroutine's stack: goroutines
// spread over the stripes, and one goroutine, which mostly stays on one
// CPU, keeps to its stripe. It costs a nanosecond, where a random number
// costs ten or more.
func stripeOf() uint32 {
	var x byte
	h := uint64(uintptr(unsafe.Pointer(&x))) >> 10
	return uint32((h * 0x9e3779b97f4a7c15) >> 32)
}

// tick takes a snapshot of the successes for the window of a closed state
// gen, unless another goroutine holds the lock: it is taking one, or soon
// will.
func (b *Breaker) tick(gen uint64) {
	if !b.mu.TryLock() {
		return
	}
	defer b.mu.Unlock()
	if b.word.Load() == gen {
		b.w.snap(b.now(), b.successes(), b.s.width)
	}
}

// counts reports whether failures of class c count against the downstream.
// A value that is not a class counts as Unknown.
func (b *Breaker) counts(c classify.Class) bool {
	if int(c) >= classify.NumClasses {
		c = classify.Unknown
	}
	return b.s.classes&(1<<c) != 0
}

// fail counts a failure of class c with the server's hint, from a permit
// of generation gen (closed) or of probe (half-open, see probeOf).
func (b *Breaker) fail(gen, probe uint64, c classify.Class, hint time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.word.Load() != gen {
		return // a permit of an earlier state counts nothing
	}
	now := b.now()
	if gen&stateMask == stHalfOpen {
		if !b.release(probe) {
			return
		}
		if h := b.hint(c, hint); h > 0 {
			b.open(now, observe.BreakerRetryAfter, h, 0, 0)
		} else {
			b.trips++
			b.open(now, observe.BreakerProbeFailed, b.breakFor(b.trips), 0, 0)
		}
		return
	}
	if h := b.hint(c, hint); h > 0 {
		b.open(now, observe.BreakerRetryAfter, h, 0, 0)
		return
	}
	s := b.successes()
	if s == b.lastFailure {
		b.consecutive++
	} else {
		b.consecutive = 1
	}
	b.lastFailure = s
	failures, calls := b.w.add(now, s, b.s.width)
	switch {
	case b.s.consecutive > 0 && b.consecutive >= b.s.consecutive:
		b.trips++
		b.open(now, observe.BreakerConsecutiveFailures, b.breakFor(b.trips), failures, calls)
	case calls >= b.s.minCalls && float64(failures) >= b.s.ratio*float64(calls):
		b.trips++
		b.open(now, observe.BreakerFailureRatio, b.breakFor(b.trips), failures, calls)
	}
}

// hint returns how long a failure of class c with the server's hint h
// opens the breaker: h capped, for a RateLimit that counts; 0 otherwise.
func (b *Breaker) hint(c classify.Class, h time.Duration) int64 {
	if c != classify.RateLimit || h <= 0 || !b.counts(c) {
		return 0
	}
	return min(int64(h), b.s.maxHint)
}

// endProbe ends p, a probe of a half-open generation gen (p.gen before p
// ended), which succeeded if ok, or was cancelled.
func (p *Permit) endProbe(gen uint64, ok bool) {
	b := p.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.word.Load() != gen || !b.release(p.probe) || !ok {
		return
	}
	b.probesOK++
	if b.probesOK >= b.s.toClose {
		b.close(b.now())
	}
}

// probeOf returns the probe of id in slot: both in one word, which is
// never 0, since ids start at 1.
func probeOf(id uint64, slot int) uint64 {
	return id<<probeSlotBits | uint64(slot)
}

// probeSlotBits is the width of a probe's slot in its word: room for
// maxProbes slots, as the constant below checks.
const probeSlotBits = 10

const _ = uint(1<<probeSlotBits - maxProbes)

// release frees the slot of probe, and reports whether probe held it: a
// copy of a Permit that ended already releases nothing.
func (b *Breaker) release(probe uint64) bool {
	slot := probe & (1<<probeSlotBits - 1)
	if slot >= uint64(len(b.probes)) || b.probes[slot] != probe {
		return false
	}
	b.probes[slot] = 0
	b.inflight--
	return true
}

// breakFor returns the length of the break of the nth trip in a row:
// BreakDuration doubled n-1 times, capped, then spread down to three
// quarters of it.
func (b *Breaker) breakFor(n int) int64 {
	d := b.s.base
	for i := 1; i < n && d < b.s.max; i++ {
		if d > b.s.max/2 {
			d = b.s.max
			break
		}
		d *= 2
	}
	d = min(d, b.s.max)
	return d - b.rand(d/4+1)
}

// The changes of state, with b.mu held. Each stores until before the word,
// so that a reader that sees the new word sees its until.

func (b *Breaker) open(now int64, reason observe.BreakerReason, d int64, failures, calls int) {
	until := saturating(now, d)
	b.until.Store(until)
	b.change(stOpen, reason, observe.BreakerStateChange{
		Until: b.epoch.Add(time.Duration(until)), Break: time.Duration(d),
		Failures: failures, Calls: calls,
	})
}

func (b *Breaker) halfOpen() {
	clear(b.probes)
	b.inflight, b.probesOK = 0, 0
	b.change(stHalfOpen, observe.BreakerBreakElapsed, observe.BreakerStateChange{})
}

func (b *Breaker) close(now int64) {
	s := b.successes()
	b.w.reset(now, s)
	b.consecutive, b.lastFailure = 0, s
	b.trips = 0
	b.change(stClosed, observe.BreakerProbesSucceeded, observe.BreakerStateChange{})
}

// change moves the breaker to state, and tells its subscribers with e,
// completed.
func (b *Breaker) change(state uint64, reason observe.BreakerReason, e observe.BreakerStateChange) {
	w := b.word.Load()
	next := (w&^stateMask + genOne) | state
	if next&^stateMask == 0 { // the generations wrapped: skip the zero word
		next += genOne
	}
	b.word.Store(next)
	if len(b.s.subs) == 0 {
		return
	}
	e.Breaker, e.From, e.To, e.Reason = b.s.name, stateOf(w), stateOf(next), reason
	for _, s := range b.s.subs {
		s.Handle(context.Background(), e)
	}
}
