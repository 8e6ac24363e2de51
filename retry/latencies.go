package retry

import (
	"strconv"
	"strings"
	"time"

	"github.com/reflexio-go/reflexio/internal/latency"
)

// The defaults of LatencyConfig.
const (
	DefaultHedgeFloor = time.Millisecond
	DefaultHedgeCap   = time.Second
)

// LatencyConfig sets up a Latency. Its zero value asks for the defaults:
// the 95th percentile of the last 10 seconds, once 20 attempts are
// remembered, within [1ms, 1s], and 1s until then.
type LatencyConfig struct {
	// Quantile is the quantile of the attempts' latencies at which a call
	// hedges: more than 0 and less than 1. Default: 0.95, when 0.
	Quantile float64

	// Window is how far back the Latency remembers: the attempts that
	// ended in the last Window at most, and in the last 3/4 of it at
	// least, as it forgets a quarter of it at a time. At least 1ms.
	// Default: 10s, when 0.
	Window time.Duration

	// MinSamples is the number of attempts the Latency must remember
	// before its quantile sets the delay; until then, the delay is
	// Fallback. At least 1. Default: 20, when 0.
	MinSamples int

	// Floor and Cap bound the delay: a quantile below Floor gives Floor,
	// one above Cap gives Cap. Floor keeps a downstream that answers in
	// microseconds from being hedged at once; Cap, one that is slow for
	// every call from making its callers wait without a hedge. Floor must
	// not be negative, and Cap not below Floor. Default: Floor
	// DefaultHedgeFloor (1ms), when 0; Cap DefaultHedgeCap (1s), or Floor
	// if that is above, when 0.
	Floor, Cap time.Duration

	// Fallback is the delay until the Latency remembers MinSamples
	// attempts: after it starts, and whenever the downstream has been
	// quiet for a Window. It must be within [Floor, Cap]. Default: Cap,
	// when 0: a downstream not yet measured is hedged late rather than
	// early, as a hedge too early can double its load.
	Fallback time.Duration
}

// A Latency keeps the recent latency of the attempts to one downstream, a
// host, a gRPC target, a database, from which HedgeAdaptive picks the
// delay after which a call hedges: a high quantile of it, within a floor
// and a cap. Share one Latency per downstream, across call sites and
// goroutines, as a Budget; Latencies keeps one per key.
//
// Its memory is fixed, a few kilobytes, and it does not grow with the
// traffic; remembering an attempt costs a reading of the clock and no
// allocation. A Latency is safe for concurrent use.
//
// Only NewLatency (and Latencies) make a Latency: a call given the zero
// Latency, or a nil one, fails with ErrInvalidOption before any attempt.
type Latency struct {
	est      *latency.Estimator // nil: the zero Latency, or an invalid one
	floor    time.Duration
	cap      time.Duration
	fallback time.Duration
	err      string // why the LatencyConfig is invalid, if it is
}

// NewLatency returns a Latency set up by cfg. An invalid cfg makes a
// Latency that every call given it fails with ErrInvalidOption, naming the
// field and its value, before its first attempt.
func NewLatency(cfg LatencyConfig) *Latency {
	l := &Latency{floor: cfg.Floor, cap: cfg.Cap, fallback: cfg.Fallback}
	if l.floor == 0 {
		l.floor = DefaultHedgeFloor
	}
	if l.cap == 0 {
		l.cap = max(DefaultHedgeCap, l.floor)
	}
	if l.fallback == 0 {
		l.fallback = l.cap
	}
	switch {
	case l.floor < 0:
		l.err = "Floor " + l.floor.String() + " must not be negative"
	case l.cap < l.floor:
		l.err = "Cap " + l.cap.String() + " must not be below Floor " + l.floor.String()
	case l.fallback < l.floor || l.fallback > l.cap:
		l.err = "Fallback " + l.fallback.String() + " must be within [" + l.floor.String() + ", " + l.cap.String() + "]"
	}
	if l.err != "" {
		return l
	}
	est, err := latency.New(latency.Config{Quantile: cfg.Quantile, Window: cfg.Window, MinSamples: cfg.MinSamples})
	if err != nil {
		l.err = strings.TrimPrefix(err.Error(), "latency: ")
		return l
	}
	l.est = est
	return l
}

// Delay returns the delay after which a call given HedgeAdaptive with l
// hedges now: the quantile of the attempts that l remembers, within
// [Floor, Cap], or Fallback while it remembers fewer than MinSamples. A
// nil, zero or invalid Latency returns 0.
func (l *Latency) Delay() time.Duration {
	if l == nil || l.est == nil {
		return 0
	}
	q, ok := l.est.Quantile()
	if !ok {
		return l.fallback
	}
	return min(max(q, l.floor), l.cap)
}

// Err returns nil for a Latency that HedgeAdaptive accepts, or else the
// error, matching ErrInvalidOption, that says why a call given l would
// fail before its first attempt: l is nil, or the zero Latency, or was
// made by NewLatency of an invalid LatencyConfig, whose field and value
// the error names. It lets a program check a configuration where it builds
// it, before any call.
func (l *Latency) Err() error {
	if reason := l.check(); reason != "" {
		return &optionError{option: "Latency", reason: reason}
	}
	return nil
}

// observe remembers an attempt that took d.
func (l *Latency) observe(d time.Duration) { l.est.Observe(d) }

// String describes the Latency, such as "Latency(1ms…1s)"; a nil one is
// "<nil>", as fmt prints a nil pointer.
func (l *Latency) String() string {
	switch {
	case l == nil:
		return "<nil>"
	case l.est == nil && l.err == "":
		return "Latency{}"
	}
	return "Latency(" + l.floor.String() + "…" + l.cap.String() + ")"
}

// check returns why a call cannot use l, or "".
func (l *Latency) check() string {
	switch {
	case l == nil:
		return "the Latency is nil"
	case l.err != "":
		return l.err
	case l.est == nil:
		return "the zero Latency keeps nothing; make one with NewLatency"
	}
	return ""
}

// Latencies is a set of Latency by key, one per downstream, as Budgets is
// for Budget: For returns the Latency of a key, which it makes with
// NewLatency(cfg) on the key's first use, so that each downstream is
// hedged at its own latency:
//
//	var perHost = retry.NewLatencies(retry.LatencyConfig{}, 100)
//	…
//	v, err := retry.DoHedged(ctx, op, retry.HedgeAdaptive(perHost.For(host), 2))
//
// A Latencies keeps at most maxKeys keys, and forgets the least recently
// used one when a new key would exceed that, as Budgets does: a forgotten
// key's next use gets a fresh Latency, which hedges at Fallback until it
// has measured the downstream again.
//
// The zero value is a Latencies with the default LatencyConfig and
// DefaultMaxKeys keys. A Latencies is safe for concurrent use, and must not
// be copied after first use. For of a key already kept does not allocate,
// and takes a shared lock.
type Latencies struct {
	cfg     LatencyConfig
	maxKeys int
	set     bool     // made by NewLatencies; false: the defaults
	invalid *Latency // the Latency of every key, when cfg is invalid

	keys keyed[*Latency]
}

// NewLatencies returns a Latencies that gives each key a Latency made with
// NewLatency(cfg), and keeps at most maxKeys keys (DefaultMaxKeys if
// maxKeys is below 1). An invalid cfg makes every Latency that For returns
// invalid: each call that uses one fails with ErrInvalidOption, naming the
// field and its value, before its first attempt.
func NewLatencies(cfg LatencyConfig, maxKeys int) *Latencies {
	if maxKeys < 1 {
		maxKeys = DefaultMaxKeys
	}
	s := &Latencies{cfg: cfg, maxKeys: maxKeys, set: true}
	if l := NewLatency(cfg); l.err != "" {
		s.invalid = l
	}
	return s
}

// For returns the Latency of key, making it if the Latencies does not keep
// one.
func (s *Latencies) For(key string) *Latency {
	if s.invalid != nil {
		return s.invalid
	}
	if l, ok := s.keys.get(key); ok {
		return l
	}
	cfg, maxKeys := s.params()
	return s.keys.add(key, maxKeys, func() *Latency { return NewLatency(cfg) })
}

// Len returns the number of keys that the Latencies keeps.
func (s *Latencies) Len() int { return s.keys.len() }

// String describes the Latencies, such as "Latencies(100 keys at most)".
func (s *Latencies) String() string {
	_, maxKeys := s.params()
	return "Latencies(" + strconv.Itoa(maxKeys) + " keys at most)"
}

func (s *Latencies) params() (LatencyConfig, int) {
	if !s.set {
		return LatencyConfig{}, DefaultMaxKeys
	}
	return s.cfg, s.maxKeys
}
