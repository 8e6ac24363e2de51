package breaker

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

// Config configures a Breaker. Its zero value is valid: every zero field
// means the default that its comment names. Negative values are invalid,
// except where a comment gives them a meaning.
type Config struct {
	// Name names the breaker, and so the downstream it guards, in its
	// events and errors. Keep it low in cardinality: a host, a database, a
	// service. Default: "".
	Name string

	// FailureRatio is the share of counted failures among the calls of the
	// Window at which a closed breaker opens, once the Window holds at
	// least MinCalls calls; within (0, 1]. Default: 0.8, so that a
	// downstream that still answers most calls, or fails half of them at
	// random, is not cut off: a breaker is for one that is down.
	FailureRatio float64

	// Window is how far back the failure ratio looks: a sliding window of
	// ten buckets, so that it forgets failures a tenth of Window at a
	// time. At least a millisecond. Default: 10s.
	Window time.Duration

	// MinCalls is the least number of calls in the Window for the failure
	// ratio to open the breaker, so that a quiet service is not judged on
	// two calls. Default: 20.
	MinCalls int

	// ConsecutiveFailures opens a closed breaker after that many counted
	// failures in a row, with no success between them, whatever the
	// Window holds: the mode that protects a service whose traffic is too
	// low to reach MinCalls. Whichever of the two limits is reached first
	// opens the breaker. -1 turns the mode off. Default: 20, more than
	// the 6 attempts of one retry.Do call by default, so that the retries
	// of one call alone never open it, and rare enough by chance (one
	// run in a million calls at 50% failures) that a degraded downstream
	// does not open it either.
	ConsecutiveFailures int

	// BreakDuration is the longest that the breaker stays open after it
	// first opens. Each time it opens again without having closed in
	// between, the break doubles, up to MaxBreakDuration; each break is
	// spread at random down to three quarters of its length, so that
	// clients that opened together do not probe together. The growth
	// starts again once the breaker closes. Default: 5s.
	BreakDuration time.Duration

	// MaxBreakDuration caps the growth of the break; at least
	// BreakDuration. Default: 10s, or BreakDuration if that is longer:
	// twice the first break, so that a downstream that comes back is
	// called again within seconds.
	MaxBreakDuration time.Duration

	// HalfOpenProbes is how many attempts a half-open breaker lets through
	// at once, to probe the downstream; the others are refused, as by an
	// open breaker, until a probe ends. At most 1000. Default: 1.
	HalfOpenProbes int

	// SuccessesToClose is how many probes must succeed, one after the
	// other, to close a half-open breaker; any counted failure of a probe
	// opens it again at once. Default: HalfOpenProbes.
	SuccessesToClose int

	// Classes are the classes of failure that count against the
	// downstream's health. A failure of another class, such as a
	// Permanent 404 or a Concurrency conflict, means that the downstream
	// answered: it counts as a success. Permanent may not be listed: it
	// says nothing of the downstream's health. An empty list means the
	// default. Default: ServerError, Transient, Unknown and RateLimit.
	Classes []classify.Class

	// MaxRetryAfter caps the server's hint of a RateLimit failure, which
	// opens the breaker for exactly that long (see Permit.Failure).
	// Default: 60s.
	MaxRetryAfter time.Duration

	// Subscribers receive an observe.BreakerStateChange each time the
	// breaker changes state (and no other event), with
	// context.Background(), on the goroutine whose call caused the change,
	// while the breaker holds its lock: Handle must not call the
	// breaker's Allow or a Permit's methods, and should be quick.
	// Default: none.
	Subscribers []observe.Subscriber

	// clock is the time of the Breaker, and its spread of breaks, when not
	// the real ones: set only through package internal/hook (hook.go).
	clock *clock
}

// The defaults of Config.
const (
	DefaultFailureRatio        = 0.8
	DefaultWindow              = 10 * time.Second
	DefaultMinCalls            = 20
	DefaultConsecutiveFailures = 20
	DefaultBreakDuration       = 5 * time.Second
	DefaultMaxBreakDuration    = 10 * time.Second
	DefaultMaxRetryAfter       = 60 * time.Second
)

// defaultClasses are the classes that count by default.
const defaultClasses = 1<<classify.ServerError | 1<<classify.Transient | 1<<classify.Unknown | 1<<classify.RateLimit

// maxProbes bounds HalfOpenProbes, so that a probe's slot fits in the
// low bits of its word (see probeOf).
const maxProbes = 1000

// ErrInvalidConfig is matched (with errors.Is) by the error that a Breaker
// made from an invalid Config returns from Allow and Err, which names the
// field and its value.
var ErrInvalidConfig = errors.New("breaker: invalid config")

// settings is a Config resolved: defaults applied, validated.
type settings struct {
	name        string
	ratio       float64
	width       int64 // of a bucket, in nanoseconds
	minCalls    int
	consecutive int // 0: off
	base, max   int64
	probes      int
	toClose     int
	classes     uint32 // bit c set: class c counts
	maxHint     int64
	subs        []observe.Subscriber
}

// resolve applies the defaults to c and validates it.
func resolve(c Config) (settings, error) {
	s := settings{
		name:        c.Name,
		ratio:       c.FailureRatio,
		minCalls:    c.MinCalls,
		consecutive: c.ConsecutiveFailures,
		base:        int64(c.BreakDuration),
		max:         int64(c.MaxBreakDuration),
		probes:      c.HalfOpenProbes,
		toClose:     c.SuccessesToClose,
		maxHint:     int64(c.MaxRetryAfter),
	}
	window := c.Window
	switch {
	case !(c.FailureRatio >= 0 && c.FailureRatio <= 1): // also NaN
		return s, invalid("FailureRatio", strconv.FormatFloat(c.FailureRatio, 'g', -1, 64), "must be within (0, 1]")
	case c.Window < 0 || c.Window > 0 && c.Window < time.Millisecond:
		return s, invalid("Window", c.Window.String(), "must be at least 1ms")
	case c.MinCalls < 0:
		return s, invalid("MinCalls", strconv.Itoa(c.MinCalls), "must not be negative")
	case c.ConsecutiveFailures < -1:
		return s, invalid("ConsecutiveFailures", strconv.Itoa(c.ConsecutiveFailures), "must be at least 1, 0 for the default or -1 for none")
	case c.BreakDuration < 0:
		return s, invalid("BreakDuration", c.BreakDuration.String(), "must not be negative")
	case c.MaxBreakDuration < 0:
		return s, invalid("MaxBreakDuration", c.MaxBreakDuration.String(), "must not be negative")
	case c.HalfOpenProbes < 0 || c.HalfOpenProbes > maxProbes:
		return s, invalid("HalfOpenProbes", strconv.Itoa(c.HalfOpenProbes), "must be within [1, 1000], or 0 for the default")
	case c.SuccessesToClose < 0:
		return s, invalid("SuccessesToClose", strconv.Itoa(c.SuccessesToClose), "must not be negative")
	case c.MaxRetryAfter < 0:
		return s, invalid("MaxRetryAfter", c.MaxRetryAfter.String(), "must not be negative")
	}
	if s.ratio == 0 {
		s.ratio = DefaultFailureRatio
	}
	if window == 0 {
		window = DefaultWindow
	}
	s.width = int64(window) / buckets
	if s.minCalls == 0 {
		s.minCalls = DefaultMinCalls
	}
	switch s.consecutive {
	case 0:
		s.consecutive = DefaultConsecutiveFailures
	case -1:
		s.consecutive = 0
	}
	if s.base == 0 {
		s.base = int64(DefaultBreakDuration)
	}
	if s.max == 0 {
		s.max = max(int64(DefaultMaxBreakDuration), s.base)
	}
	if s.max < s.base {
		return s, invalid("MaxBreakDuration", c.MaxBreakDuration.String(), "must be at least BreakDuration ("+time.Duration(s.base).String()+")")
	}
	if s.probes == 0 {
		s.probes = 1
	}
	if s.toClose == 0 {
		s.toClose = s.probes
	}
	if s.maxHint == 0 {
		s.maxHint = int64(DefaultMaxRetryAfter)
	}
	if len(c.Classes) == 0 {
		s.classes = defaultClasses
	}
	for _, cl := range c.Classes {
		switch {
		case int(cl) >= classify.NumClasses:
			return s, invalid("Classes", cl.String(), "is not a class")
		case cl == classify.Permanent:
			return s, invalid("Classes", cl.String(), "says nothing of the downstream's health")
		}
		s.classes |= 1 << cl
	}
	for i, sub := range c.Subscribers {
		if err := observe.Validate(sub); err != nil {
			return s, fmt.Errorf("%w: Subscribers[%d]: %w", ErrInvalidConfig, i, err)
		}
		if observe.KindsOf(sub).Has(observe.KindBreakerStateChange) {
			s.subs = append(s.subs, sub)
		}
	}
	return s, nil
}

// invalid returns the error of an invalid field.
func invalid(field, value, why string) error {
	return fmt.Errorf("%w: %s %s %s", ErrInvalidConfig, field, value, why)
}

// saturating adds b ≥ 0 to a without overflow.
func saturating(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
