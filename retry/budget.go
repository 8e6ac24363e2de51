package retry

import (
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
)

// A Budget bounds the retries of every call that shares it to a share of
// their traffic, so that when a dependency is down its clients add a small,
// bounded load to it instead of multiplying their own. Share one Budget per
// downstream (per host, per database, per service), across call sites and
// goroutines: pass it to Do as an option, alone or in a bundle.
//
//	var usersBudget = retry.NewBudget(0.1, 10)
//	…
//	v, err := retry.Do(ctx, op, usersBudget)
//
// The bound: over any interval of time, the retries that a Budget allows
// are at most ratio × the calls that began in that interval, plus burst. A
// first attempt is never refused; each call that begins earns ratio of a
// retry, up to a reserve of burst retries, and each retry spends one. When
// the reserve is empty, a call that would retry stops instead, with
// ErrBudgetExhausted wrapping its last error, and an observe.BudgetExhausted
// event. So with ratio 0.1, a dependency that fails every call sees at most
// 1.1 attempts per call in the long run, whatever MaxAttempts says, while
// rare failures are retried as usual.
//
// Choosing the parameters: ratio is the extra load you accept on a failing
// dependency (0.1, the Google SRE book's figure, adds at most 10%); burst is
// how many retries may happen at once before the ratio holds, which lets a
// quiet client retry its occasional failure; 10 is a sound start.
//
// A Budget is safe for concurrent use. While its reserve is full, as it is
// while the dependency is healthy, a call costs one atomic read and no write;
// only failing traffic writes to it. Budgets cost nothing to calls that do
// not use one: Do uses none by default, because a budget only protects a
// dependency when it is scoped to it.
type Budget struct {
	deposit  int64        // earned per call, in micro-retries
	capacity int64        // the reserve's size, in micro-retries
	reserve  atomic.Int64 // in micro-retries
	err      string       // why the parameters are invalid, if they are
	ratio    float64
	burst    int

	self *Budget // the Budget itself: see the note on escapes in applyOne
}

// micro is the unit of a Budget's reserve: one retry is a million, so that a
// ratio keeps six decimals. Rounding is down, so the bound holds.
const micro = 1_000_000

// NewBudget returns a Budget that allows, over any interval, at most ratio
// retries per call begun plus burst, and starts with a full reserve of
// burst retries. ratio must be within [0, 1000] and burst at least 1, or
// every call that uses the Budget fails with ErrInvalidOption before its
// first attempt.
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
	}
	return b
}

// Available returns how many retries the Budget would allow now, with its
// fraction: 2.5 means two retries, and half of a third earned.
func (b *Budget) Available() float64 {
	r := b.reserve.Load()
	// Whole retries and the fraction apart: exact for any burst.
	return float64(r/micro) + float64(r%micro)/micro
}

// String describes the Budget as the call that made it, such as
// "Budget(0.1, 10)".
func (b *Budget) String() string {
	return fmt.Sprintf("Budget(%v, %d)", b.ratio, b.burst)
}

func (b *Budget) apply(c *config) {
	if b.err != "" {
		c.fail(b.String(), b.err)
		return
	}
	c.budget = b.self
}

// earn adds the share of a retry that a call earns when it begins. While
// the reserve is full it only reads.
func (b *Budget) earn() {
	for {
		old := b.reserve.Load()
		if old >= b.capacity {
			return
		}
		if b.reserve.CompareAndSwap(old, min(old+b.deposit, b.capacity)) {
			return
		}
	}
}

// spend takes one retry from the reserve, and reports whether there was
// one to take.
func (b *Budget) spend() bool {
	for {
		old := b.reserve.Load()
		if old < micro {
			return false
		}
		if b.reserve.CompareAndSwap(old, old-micro) {
			return true
		}
	}
}

// NoBudget removes the Budget that an earlier option, such as a bundle's,
// set: the call's retries are bounded by its caps and deadline alone.
func NoBudget() Option { return noBudget{} }

type noBudget struct{}

func (noBudget) String() string { return "NoBudget()" }

func (noBudget) apply(c *config) { c.budget = nil }
