package backoff

import (
	"fmt"
	"time"
)

// Cap returns a Strategy that waits what s says, but never more than max
// and never less than zero: a delay within [0, max]. It bounds a Func, or
// lowers the cap of another strategy; the jitter of s stays below s's own
// cap, but a Cap below it cuts the jitter off at max, where the delays of
// many clients coincide.
func Cap(max time.Duration, s Strategy) Strategy { return capped{max, s} }

type capped struct {
	max time.Duration
	s   Strategy
}

// Delay compares Durations, not float64s, which would round a delay near
// MaxInt64 up above a max just below it.
func (c capped) Delay(in Input) time.Duration { return max(min(c.s.Delay(in), c.max), 0) }

func (c capped) String() string { return fmt.Sprintf("backoff.Cap(%v, %v)", c.max, c.s) }

// Validate reports a negative max or a nil strategy, or what s reports.
func (c capped) Validate() error {
	if c.max < 0 {
		return invalid(c, "max %v must not be negative", c.max)
	}
	return validateInner(c, c.s)
}

// Floor returns a Strategy that waits what s says, but never less than min:
// a delay within [min, max(min, d)], where d is the most s waits. Floor is
// applied after s's own cap, so a floor above that cap wins.
func Floor(min time.Duration, s Strategy) Strategy { return floored{min, s} }

type floored struct {
	min time.Duration
	s   Strategy
}

func (f floored) Delay(in Input) time.Duration { return max(f.s.Delay(in), f.min, 0) }

func (f floored) String() string { return fmt.Sprintf("backoff.Floor(%v, %v)", f.min, f.s) }

// Validate reports a negative min or a nil strategy, or what s reports.
func (f floored) Validate() error {
	if f.min < 0 {
		return invalid(f, "min %v must not be negative", f.min)
	}
	return validateInner(f, f.s)
}

// Jitter returns a Strategy that spreads each of s's delays over its last
// fraction: a delay d becomes d·(1-fraction) + Random·d·fraction, within
// [d·(1-fraction), d]. The jitter stays inside s's delay and so inside its
// cap. Use it to spread an unjittered strategy such as Exponential or
// Constant: Jitter(1, Exponential(base, cap)) is FullJitter(base, cap), and
// Jitter(0.5, Exponential(base, cap)) is EqualJitter(base, cap). Jitter and
// s see the same Input.Random, so Jitter over a jittered strategy does not
// spread its delays further; it only shortens them.
func Jitter(fraction float64, s Strategy) Strategy { return jittered{fraction, s} }

type jittered struct {
	fraction float64
	s        Strategy
}

func (j jittered) Delay(in Input) time.Duration {
	d := max(j.s.Delay(in), 0)
	f := float64(d)
	return clamp(between(f*(1-j.fraction), f, in.Random), 0, d)
}

func (j jittered) String() string { return fmt.Sprintf("backoff.Jitter(%v, %v)", j.fraction, j.s) }

// Validate reports a fraction outside [0, 1] or a nil strategy, or what s
// reports.
func (j jittered) Validate() error {
	if !(j.fraction >= 0 && j.fraction <= 1) { // also NaN
		return invalid(j, "fraction %v must be within [0, 1]", j.fraction)
	}
	return validateInner(j, j.s)
}
