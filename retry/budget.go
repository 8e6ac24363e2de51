package retry

import (
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
)

// A Budget bounds the retries of every call that shares it, so that when a
// dependency is down its clients add a small, bounded load to it instead
// of multiplying their own, while faults that strike calls at random, and
// leave most of them succeeding, are retried as usual. Share one Budget per
// downstream (per host, per database, per service), across call sites and
// goroutines: pass it to Do as an option, alone or in a bundle.
//
//	var usersBudget = retry.NewBudget(0.1, 10)
//	…
//	v, err := retry.Do(ctx, op, usersBudget)
//
// The model: a reserve of retries, which holds at most burst of them and
// starts full. Each call that begins earns ratio of a retry, each call that
// succeeds earns one, and each retry spends one. A first attempt is never
// refused; when the reserve holds less than one retry, a call that would
// retry stops instead, with ErrBudgetExhausted (a client-side refusal: the
// dependency did not ask for it) wrapping its last error, and an
// observe.BudgetExhausted event.
//
// The bound: over any interval of time, the retries that a Budget allows
// are at most ratio × the calls that began in it, plus the calls that
// succeeded in it, plus burst. A success pays for a retry and a failure
// pays for nothing, so the attempts that fail are at most 1 + ratio per
// call, plus burst. With ratio 0.1, a dependency that fails every call
// sees at most 1.1 attempts per call in the long run, whatever MaxAttempts
// says, and one that fails a share f of attempts at most 1.1 / f; while one
// that loses 20% to 40% of attempts at random, most calls succeeding, has
// about every retry allowed: with Budget(0.1, 10), 300 requests through a
// proxy that resets 40% of connections at random keep 99% of the successes
// they have without a budget.
//
// Hedges (DoHedged with Hedge) are extra load, not repairs: a slow call
// that succeeds says nothing about whether its hedge was needed. So each
// hedge spends one from the reserve, as a retry does, and also one from a
// second reserve of the same size, which only the ratio refills: each call
// that begins earns ratio of a hedge, and no success earns one. Over any
// interval, the hedges a Budget allows are at most ratio × the calls that
// began in it, plus burst, even when every call succeeds: under an
// overload, when every call is slow, hedging with a Budget of ratio 0.1
// adds at most 10% to the load. A failed attempt that the hedged call
// replaces at once, while others are in flight, is a retry and pays as one.
//
// Choosing the parameters: ratio is the extra load you accept on a
// dependency that fails every call (0.1, the Google SRE book's figure, adds
// at most 10%); burst is how many retries may happen at once before the
// ratio holds, which lets a quiet client retry its occasional failure; 10
// is a sound start.
//
// A Budget is safe for concurrent use. While its reserves are full, as they
// are while the dependency is healthy, a call costs three atomic reads and
// no write; only failing traffic writes to it. Budgets cost nothing to calls
// that do not use one: Do uses none by default, because a budget only
// protects a dependency when it is scoped to it.
//
// Only NewBudget makes a Budget. The zero Budget has no parameters: a call
// that passes one, such as new(retry.Budget), fails with ErrInvalidOption,
// and so does a call that passes a copy of a Budget, which would share
// nothing with the original. A nil *Budget fails the call too; its String
// and Available do not panic.
type Budget struct {
	deposit  int64        // earned per call, in micro-retries
	capacity int64        // the reserve's size, in micro-retries
	reserve  atomic.Int64 // in micro-retries
	hedges   atomic.Int64 // the reserve of hedges, in micro-hedges: only the deposit refills it
	err      string       // why the parameters are invalid, if they are
	ratio    float64
	burst    int

	self *Budget // the Budget itself: see the note on escapes in applyOne
}

// micro is the unit of a Budget's reserve: one retry is a million, so that a
// ratio keeps six decimals. Rounding is down, so the bound holds.
const micro = 1_000_000

// NewBudget returns a Budget whose reserve holds at most burst retries and
// starts full, in which each call that begins earns ratio of a retry, each
// call that succeeds earns one, and each retry spends one: see Budget for
// the bound this gives. With NewBudget(0.1, 10), the default per host of
// retryhttp, a dependency that fails every call gets at most 1.1 attempts
// per call, plus 10. ratio must be within [0, 1000] and burst at least 1,
// or every call that uses the Budget fails with ErrInvalidOption, naming
// the value, before its first attempt.
func NewBudget(ratio float64, burst int) *Budget {
	b := &Budget{ratio: ratio, burst: burst}
	b.self = b
	switch {
	case !(ratio >= 0 && ratio <= 1000): // also NaN
		b.err = "ratio " + strconv.FormatFloat(ratio, 'g', -1, 64) + " must be within [0, 1000]"
	case burst < 1:
		b.err = "burst " + strconv.Itoa(burst) + " must be at least 1"
	case burst > math.MaxInt64/micro:
		b.err = "burst " + strconv.Itoa(burst) + " is too large"
	default:
		b.deposit = int64(ratio * micro)
		b.capacity = int64(burst) * micro
		b.reserve.Store(b.capacity)
		b.hedges.Store(b.capacity)
	}
	return b
}

// Available returns how many retries the Budget would allow now, with its
// fraction: 2.5 means two retries, and half of a third earned. A nil or
// zero Budget has none: 0.
func (b *Budget) Available() float64 {
	if b == nil {
		return 0
	}
	r := b.reserve.Load()
	// Whole retries and the fraction apart: exact for any burst.
	return float64(r/micro) + float64(r%micro)/micro
}

// String describes the Budget as the call that made it, such as
// "Budget(0.1, 10)"; the zero Budget is "Budget{}" and a nil one "<nil>",
// as fmt prints a nil pointer.
func (b *Budget) String() string {
	switch {
	case b == nil:
		return "<nil>"
	case b.self == nil:
		return "Budget{}"
	}
	return fmt.Sprintf("Budget(%v, %d)", b.ratio, b.burst)
}

func (b *Budget) apply(c *config) {
	switch {
	case b.self == nil: // not made by NewBudget
		c.fail("Budget", "the zero Budget has no parameters; make one with NewBudget")
	case b.self != b:
		c.fail(b.String(), "a copy of a Budget shares nothing with it; pass the *Budget that NewBudget returned")
	case b.err != "":
		c.fail(b.String(), b.err)
	default:
		c.budget = b.self // not b: see the note on escapes in applyOne
	}
}

// earn adds the share of a retry, and of a hedge, that a call earns when
// it begins.
func (b *Budget) earn() {
	b.add(&b.reserve, b.deposit)
	b.add(&b.hedges, b.deposit)
}

// succeed adds the retry that a call earns when it succeeds.
func (b *Budget) succeed() { b.add(&b.reserve, micro) }

// add puts n micro-units in reserve r, up to its size. While r is full it
// only reads.
func (b *Budget) add(r *atomic.Int64, n int64) {
	for {
		old := r.Load()
		if old >= b.capacity {
			return
		}
		if r.CompareAndSwap(old, old+min(n, b.capacity-old)) {
			return
		}
	}
}

// spend takes one retry from the reserve, and reports whether there was
// one to take.
func (b *Budget) spend() bool { return take(&b.reserve) }

// spendHedge takes one hedge from the reserve of hedges and one retry from
// the reserve, and reports whether both had one to take; if either had
// none, it takes nothing.
func (b *Budget) spendHedge() bool {
	if !take(&b.hedges) {
		return false
	}
	if !take(&b.reserve) {
		b.add(&b.hedges, micro)
		return false
	}
	return true
}

// take takes one unit from reserve r, and reports whether there was one.
func take(r *atomic.Int64) bool {
	for {
		old := r.Load()
		if old < micro {
			return false
		}
		if r.CompareAndSwap(old, old-micro) {
			return true
		}
	}
}

// NoBudget removes the Budget that an earlier option, such as a bundle's,
// set: the call's retries are bounded by its caps and deadline alone.
//
// Default: none; a call uses no Budget unless an option gives it one.
func NoBudget() Option { return noBudget{} }

type noBudget struct{}

func (noBudget) String() string { return "NoBudget()" }

func (noBudget) apply(c *config) { c.budget = nil }
