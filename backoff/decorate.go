package backoff

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Cap returns a Strategy that waits what s says, but never more than max
// and never less than zero.
func Cap(max time.Duration, s Strategy) Strategy { return capped{max, s} }

type capped struct {
	max time.Duration
	s   Strategy
}

func (c capped) Delay(in Input) time.Duration { return clamp(float64(c.s.Delay(in)), c.max) }

func (c capped) String() string { return fmt.Sprintf("backoff.Cap(%v, %v)", c.max, c.s) }

// Validate reports a negative max or a nil strategy, and what s reports.
func (c capped) Validate() error {
	if c.max < 0 {
		return fmt.Errorf("max %v must not be negative", c.max)
	}
	return validateInner(c.s)
}

// Floor returns a Strategy that waits what s says, but never less than min.
// Floor is applied after s's own cap, so a floor above that cap wins.
func Floor(min time.Duration, s Strategy) Strategy { return floored{min, s} }

type floored struct {
	min time.Duration
	s   Strategy
}

func (f floored) Delay(in Input) time.Duration { return max(f.s.Delay(in), f.min) }

func (f floored) String() string { return fmt.Sprintf("backoff.Floor(%v, %v)", f.min, f.s) }

// Validate reports a negative min or a nil strategy, and what s reports.
func (f floored) Validate() error {
	if f.min < 0 {
		return fmt.Errorf("min %v must not be negative", f.min)
	}
	return validateInner(f.s)
}

// Jitter returns a Strategy that shortens each of s's delays by a uniformly
// random share of up to fraction: a delay d becomes a time in
// (d·(1-fraction), d]. The jitter stays inside s's delay and so inside its
// cap. Use it to spread an unjittered strategy such as Exponential or
// Constant; fraction 1 turns Exponential into FullJitter.
func Jitter(fraction float64, s Strategy) Strategy { return jittered{fraction, s} }

type jittered struct {
	fraction float64
	s        Strategy
}

func (j jittered) Delay(in Input) time.Duration {
	d := max(j.s.Delay(in), 0)
	return clamp(float64(d)*(1-j.fraction*in.Random), d)
}

func (j jittered) String() string { return fmt.Sprintf("backoff.Jitter(%v, %v)", j.fraction, j.s) }

// Validate reports a fraction outside [0, 1] or a nil strategy, and what s
// reports.
func (j jittered) Validate() error {
	if !(j.fraction >= 0 && j.fraction <= 1) || math.IsNaN(j.fraction) {
		return fmt.Errorf("fraction %v must be within [0, 1]", j.fraction)
	}
	return validateInner(j.s)
}

var errNilStrategy = errors.New("strategy is nil")

func validateInner(s Strategy) error {
	if s == nil {
		return errNilStrategy
	}
	return Validate(s)
}
