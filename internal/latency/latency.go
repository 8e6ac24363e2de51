// Package latency keeps a running high quantile of a downstream's recent
// latencies, from which a hedging call picks its delay: the time after which
// an attempt that has not answered is likely to be one of the slow few.
//
// An Estimator counts latencies in a histogram of fixed size whose buckets
// grow with the latency (a log-linear histogram: eight buckets per doubling),
// split into slots of time that it forgets one at a time. Its memory does not
// grow with the traffic, an observation costs a reading of the clock, three
// atomic additions and no allocation, and a quantile is read from the
// buckets, within half a bucket's width of the exact quantile of the
// latencies it remembers.
//
// The caller applies its own floor and cap to the estimate, and keeps one
// Estimator per downstream.
package latency

import (
	"fmt"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// The defaults of Config.
const (
	DefaultQuantile   = 0.95
	DefaultWindow     = 10 * time.Second
	DefaultMinSamples = 20
)

// The histogram's shape. A latency of x units of 2^unitShift ns lies, below
// 2^subBits units, in a bucket one unit wide; above, in one of the 2^subBits
// buckets into which each doubling is split, each of them at most 1/2^subBits
// as wide as its lower bound. Latencies of maxLatency and more share the top
// bucket.
const (
	unitShift  = 10 // a unit is 1.024µs
	subBits    = 3  // 8 buckets per doubling: 12.5% wide at most
	sub        = 1 << subBits
	maxBits    = 36 // maxLatency is 2^maxBits ns, about 68.7s
	maxLatency = time.Duration(1) << maxBits
	buckets    = (maxBits-unitShift-subBits)*sub + sub // 192

	// slots is the number of slots of time the window is split into: the
	// estimator remembers from slots-1 to slots of them.
	slots = 4
)

// Config sets up an Estimator. Its zero value asks for the defaults.
type Config struct {
	// Quantile is the quantile to estimate, more than 0 and less than 1.
	// Default: DefaultQuantile (0.95), when 0.
	Quantile float64

	// Window is how far back the estimator remembers: the latencies
	// observed in the last Window at most, and in the last 3/4 of it at
	// least, as it forgets a quarter of it at a time. At least 1ms.
	// Default: DefaultWindow (10s), when 0.
	Window time.Duration

	// MinSamples is the number of latencies the estimator must remember
	// before it gives an estimate. Default: DefaultMinSamples (20), when
	// 0.
	MinSamples int

	// Now is the clock. Default: time.Now, when nil.
	Now func() time.Time
}

// An Estimator estimates a high quantile of the latencies observed over a
// recent window of time.
//
// Its memory is fixed, a few kilobytes; Observe and Quantile do not
// allocate. An Estimator is safe for simultaneous use by multiple
// goroutines. Its estimates are approximate in time as well as in value: a
// latency observed while the window moves on may be counted in the slot of
// time before or after the one it belongs to.
//
// The zero value is not usable; call New.
type Estimator struct {
	q        float64
	min      int64
	slotLen  time.Duration
	now      func() time.Time // nil: time.Since, which reads only the monotonic clock
	start    time.Time
	rotateMu sync.Mutex // held to move the window on

	epoch atomic.Int64 // the slot of time being filled, counted from start
	total atomic.Int64 // the latencies remembered

	live  [buckets]atomic.Int64 // the counts of every remembered slot, added up
	slots [slots][buckets]atomic.Uint32

	// The last estimate that Quantile made, and the slot and the number of
	// latencies remembered it was made at: Quantile reads it again until
	// the window moves on or the latencies grow by a fraction of stale.
	last      atomic.Int64 // a time.Duration
	lastEpoch atomic.Int64 // -1: none yet
	lastTotal atomic.Int64
}

// stale is the share of the latencies remembered, 1/stale, that may be
// observed after the estimate that Quantile gives was made.
const stale = 32

// New returns an Estimator set up by c, or an error that names the field of
// c that is invalid and its value.
func New(c Config) (*Estimator, error) {
	switch {
	case c.Quantile == 0:
		c.Quantile = DefaultQuantile
	case !(c.Quantile > 0 && c.Quantile < 1):
		return nil, fmt.Errorf("latency: Quantile %v: want more than 0 and less than 1", c.Quantile)
	}
	switch {
	case c.Window == 0:
		c.Window = DefaultWindow
	case c.Window < time.Millisecond:
		return nil, fmt.Errorf("latency: Window %v: want at least 1ms", c.Window)
	}
	switch {
	case c.MinSamples == 0:
		c.MinSamples = DefaultMinSamples
	case c.MinSamples < 0:
		return nil, fmt.Errorf("latency: MinSamples %d: want at least 1", c.MinSamples)
	}
	e := &Estimator{
		q:       c.Quantile,
		min:     int64(c.MinSamples),
		slotLen: c.Window / slots,
		now:     c.Now,
	}
	if c.Now == nil {
		e.start = time.Now()
	} else {
		e.start = c.Now()
	}
	e.lastEpoch.Store(-1)
	return e, nil
}

// Observe records a latency of d. A negative d counts as 0.
func (e *Estimator) Observe(d time.Duration) {
	i := bucket(d)
	s := &e.slots[e.current()%slots][i]
	// Count it in its slot before the sum, so that a slot that is being
	// forgotten at the same time takes away no more than was added.
	s.Add(1)
	e.live[i].Add(1)
	e.total.Add(1)
}

// Quantile returns the estimate of the quantile of Config, and whether
// there is one: false until the estimator remembers MinSamples latencies.
// It is Estimate's, made again only once the window has moved on or more
// than 1/32 of the latencies remembered came after it, so that reading it
// is cheap. The caller applies its own floor and cap.
func (e *Estimator) Quantile() (time.Duration, bool) {
	epoch := e.current()
	n := e.total.Load()
	if n < e.min || n <= 0 {
		return 0, false
	}
	if e.lastEpoch.Load() == epoch {
		if m := e.lastTotal.Load(); n >= m && n-m <= m/stale {
			return time.Duration(e.last.Load()), true
		}
	}
	d, ok := e.estimate(e.q, n)
	if ok {
		// Three stores that a concurrent Quantile may see in part: at
		// worst it returns an estimate made a moment before or after.
		e.last.Store(int64(d))
		e.lastTotal.Store(n)
		e.lastEpoch.Store(epoch)
	}
	return d, ok
}

// Estimate returns the estimate of quantile q of the latencies remembered,
// and whether there is one: false until the estimator remembers MinSamples
// latencies, or if q is not within [0, 1]. The estimate is the middle of
// the bucket in which the exact quantile lies, the ceil(q×n)-th smallest of
// n latencies: within 1/16 of it, or half a microsecond below 8µs. A latency
// of 68.7s or more counts as 68.7s. It reads every bucket up to the
// quantile's, a few hundred nanoseconds.
func (e *Estimator) Estimate(q float64) (time.Duration, bool) {
	e.current()
	n := e.total.Load()
	if n < e.min || n <= 0 || !(q >= 0 && q <= 1) {
		return 0, false
	}
	return e.estimate(q, n)
}

// estimate returns the estimate of quantile q, in [0, 1], of the n
// latencies remembered.
func (e *Estimator) estimate(q float64, n int64) (time.Duration, bool) {
	rank := max(int64(math.Ceil(q*float64(n))), 1)
	var seen int64
	top := -1
	for i := range e.live {
		c := e.live[i].Load()
		if c <= 0 {
			continue
		}
		top = i
		if seen += c; seen >= rank {
			return middle(i), true
		}
	}
	// The counts fell while they were read: the window moved on.
	if top < 0 {
		return 0, false
	}
	return middle(top), true
}

// current returns the slot of time that is being filled, counted from
// start, after forgetting the slots that have passed.
func (e *Estimator) current() int64 {
	epoch := e.epoch.Load()
	var elapsed time.Duration
	if e.now == nil {
		elapsed = time.Since(e.start) // half the cost of time.Now
	} else {
		elapsed = e.now().Sub(e.start)
	}
	if elapsed < 0 {
		return epoch // a clock that went back: stay where it was
	}
	t := int64(elapsed / e.slotLen)
	if t <= epoch {
		return epoch
	}
	e.rotateMu.Lock()
	defer e.rotateMu.Unlock()
	epoch = e.epoch.Load()
	if t <= epoch {
		return epoch
	}
	// Forget the slots that t and the epochs before it reuse: at most all
	// of them.
	for f := max(epoch+1, t-slots+1); f <= t; f++ {
		s := &e.slots[f%slots]
		for i := range s {
			if c := s[i].Swap(0); c != 0 {
				e.live[i].Add(-int64(c))
				e.total.Add(-int64(c))
			}
		}
	}
	e.epoch.Store(t)
	return t
}

// bucket returns the index of the bucket of latency d.
func bucket(d time.Duration) int {
	d = min(max(d, 0), maxLatency-1)
	x := uint64(d) >> unitShift
	if x < sub {
		return int(x)
	}
	e := bits.Len64(x) - subBits - 1
	return e*sub + int(x>>e)
}

// bounds returns the latencies of bucket i: from lo, included, to hi,
// excluded.
func bounds(i int) (lo, hi time.Duration) {
	if i < sub {
		return time.Duration(i) << unitShift, time.Duration(i+1) << unitShift
	}
	e := i/sub - 1
	m := i%sub + sub
	return time.Duration(m) << (e + unitShift), time.Duration(m+1) << (e + unitShift)
}

// middle returns the latency in the middle of bucket i.
func middle(i int) time.Duration {
	lo, hi := bounds(i)
	return lo + (hi-lo)/2
}
